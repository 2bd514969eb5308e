"""A baseline every trained PRM should beat: the policy's own probability of each step.

A sampled line the policy itself found unlikely is a good guess for a mistake: at temperature 1
many errors are exactly that, a low-probability token drawn by chance. The baseline scores step
``i`` by the lowest probability the causal LM gives any token that starts inside the step,
given everything before it, and calls the step wrong when that probability is below a
threshold ``tau``:

    score_i = tanh(min_t log p(token_t | tokens_<t) - log tau)        (in (-1, 1); < 0: wrong)

so ``prm-label evaluate`` reads it like a PRM (the first step scored < 0 is the predicted first
error; AUROC ranks steps by the minimum log-probability). ``fit_threshold`` picks ``tau`` for the
best ProcessBench F1 on a labeled set, the training side, never the set it is evaluated on.
Steps past ``max_length`` get ``None``, as with a PRM.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prm_labeler.errors import InputError
from prm_labeler.trainer import metrics
from prm_labeler.trainer.scoring import ScoreItem, first_line, load_tokenizer, padded_batches, stream_scores
from prm_labeler.trainer.tokenize import step_spans

DEFAULT_THRESHOLD = 0.5


class LikelihoodScorer:
    """Per-step scores from a causal LM's token probabilities (see the module docstring)."""

    def __init__(self, model: Any, tokenizer: Any, *, threshold: float = DEFAULT_THRESHOLD, max_length: int | None = None,
                 batch_size: int = 16) -> None:
        if not 0.0 < threshold < 1.0:
            raise InputError(None, f"must be a probability in (0, 1), got {threshold}", field="--likelihood-threshold")
        self.model, self.tokenizer = model.eval(), tokenizer
        self.threshold = threshold
        self.max_length = max_length or getattr(model.config, "max_position_embeddings", None)
        self.batch_size = batch_size

    @classmethod
    def load(cls, name: str | Path, **kw: Any) -> LikelihoodScorer:
        """A causal LM directory (the policy); unreadable or not a causal LM: InputError."""
        from transformers import AutoModelForCausalLM

        tokenizer = load_tokenizer(name)
        config = Path(str(name)) / "config.json"
        if config.is_file():  # a PRM would load as a causal LM with a made-up LM head: refuse it
            try:
                archs = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
            except (OSError, ValueError) as exc:
                raise InputError(config, f"unreadable model config ({exc})") from None
            if archs and not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
                raise InputError(config, f"is a {archs[0]}, not a causal LM: --likelihood needs the policy", field="architectures")
        try:
            model = AutoModelForCausalLM.from_pretrained(str(name), dtype="auto")
        except Exception as exc:  # noqa: BLE001 - any unloadable model is bad input
            raise InputError(name, f"cannot load as a causal LM ({first_line(exc)})", field="--model") from None
        return cls(model, tokenizer, **kw)

    def step_logprobs(self, items: Sequence[ScoreItem]) -> list[list[float | None]]:
        """For each item, each step's lowest token log-probability (None: past max_length or no token)."""
        import torch

        encoded = [self._encode(it) for it in items]
        out: list[list[float | None]] = [[None] * len(it.steps) for it in items]
        device = next(self.model.parameters()).device
        with torch.inference_mode():  # a sequence needs 2 tokens for one conditional probability
            for batch, ids, mask in padded_batches([ids for ids, _ in encoded], self.batch_size, 0, min_length=2):
                logits = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
                logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1).to(device))[..., 0].cpu()
                for row, i in enumerate(batch):
                    token_lp = [None] + logp[row, : len(encoded[i][0]) - 1].tolist()  # token 0 has no probability
                    out[i] = [min((token_lp[t] for t in toks if token_lp[t] is not None), default=None) if toks else None
                              for toks in encoded[i][1]]
        return out

    def score(self, items: Sequence[ScoreItem]) -> list[list[float | None]]:
        """Per-step scores in (-1, 1); below 0 means the step's least likely token is under ``threshold``."""
        return [[None if lp is None else to_score(lp, self.threshold) for lp in row] for row in self.step_logprobs(items)]

    def score_stream(self, items: Iterable[Any], to_item: Any, chunk: int = 512) -> Iterator[tuple[Any, list[float | None]]]:
        """Score an iterable in chunks (bounded memory); yields (item, scores) in input order."""
        return stream_scores(self.score, items, to_item, chunk)

    def _encode(self, item: ScoreItem) -> tuple[list[int], list[list[int]]]:
        """Token ids (cut at max_length) and, per step, the tokens that start inside it."""
        text = item.context + "".join(item.steps)
        enc = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=True, verbose=False)
        ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
        cut = bool(self.max_length) and len(ids) > self.max_length
        if cut:
            ids, offsets = ids[: self.max_length], offsets[: self.max_length]
        spans = step_spans(len(item.context), item.steps)
        per_step: list[list[int]] = [[] for _ in spans]
        k = 0
        for t, (start, end) in enumerate(offsets):
            if end <= start:  # special tokens
                continue
            while k < len(spans) and start >= spans[k][1]:
                k += 1
            if k == len(spans):
                break
            if start >= spans[k][0]:
                per_step[k].append(t)
        if cut:  # a step not fed whole is not scored: its minimum is unknown
            fed = max((end for _, end in offsets), default=0)
            per_step = [toks if end <= fed else [] for toks, (_, end) in zip(per_step, spans, strict=True)]
        return ids, per_step


def to_score(logprob: float, threshold: float) -> float:
    return math.tanh(logprob - math.log(threshold))


def fit_threshold(samples: Sequence[tuple[int, Sequence[float | None]]], candidates: int = 200) -> tuple[float, float]:
    """The threshold probability with the best ProcessBench F1 on ``samples`` = (labeled first
    error or -1, per-step lowest log-probabilities); returns (threshold, F1). Candidates are the
    quantiles of the observed step minima (ties broken toward the larger threshold)."""
    values = sorted({lp for _, row in samples for lp in row if lp is not None})
    if not values:
        raise ValueError("no scored steps to fit a threshold on")
    picks = {values[min(len(values) - 1, round(q * (len(values) - 1) / candidates))] for q in range(candidates + 1)}
    best = (DEFAULT_THRESHOLD, -1.0)
    for v in sorted(picks):
        # a threshold just above v: steps whose minimum is <= v are called wrong
        tau = min(math.exp(v) * (1 + 1e-9), 1 - 1e-12)
        pb = metrics.processbench([(fe, [None if lp is None else lp - math.log(tau) for lp in row]) for fe, row in samples])
        f1 = pb["f1"] or 0.0
        if f1 >= best[1]:
            best = (tau, f1)
    return best


def labeled_logprobs(scorer: LikelihoodScorer, rows: Iterable[Any]) -> list[tuple[int, list[float | None]]]:
    """(labeled first error or -1, per-step lowest log-probabilities) of the labeled rows (solution
    and found_error) of a dataset: what ``fit_threshold`` fits on."""
    from data_schemas.labels import FOUND_ERROR, SOLUTION
    from prm_labeler.trainer.evaluate import row_item

    labeled = (r for r in rows if r["finish_reason"] in (SOLUTION, FOUND_ERROR) and r["labels"])
    return [(r["first_error_step"] if r["finish_reason"] == FOUND_ERROR else -1, lps)
            for r, lps in stream_scores(scorer.step_logprobs, labeled, row_item)]

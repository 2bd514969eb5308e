"""Scoring steps by a causal LM's own token probabilities: the untrained baseline and the
likelihood-head PRM (``prm-label train --head likelihood``).

A sampled line the policy itself found unlikely is a good guess for a mistake: at temperature 1
many errors are exactly that, a low-probability token drawn by chance. Step ``k`` is scored by the
lowest probability the causal LM gives any step token up to the end of step ``k`` (the prefix, as
the labels judge prefixes: once a prefix is wrong, every longer one is), relative to a threshold
``tau``::

    m_k     = softmin_kappa { log p(token_t | tokens_<t) : t a step token, t <= step k's label token }
    z_k     = m_k - log tau                          (the logit that the prefix is completable)
    score_k = tanh(z_k / 2) = 2 sigmoid(z_k) - 1     (in (-1, 1); < 0: the prefix is wrong)

``softmin_kappa(x) = -logsumexp(-kappa x) / kappa`` (``KAPPA`` = 30: within ``log(n) / 30`` of
the minimum, and differentiable, so a trainer can push on every unlikely token). A step's label
token is the one a value-head PRM reads (``tokenize.place_steps``), so a step's score never sees
the next step's text; steps with no token of their own or cut by ``max_length`` get ``None``.
Comment steps are neutral, as in the labels: their tokens never count (free text is unlikely
without being wrong) and they score 0, so a policy earns no dense reward by writing them.

- The baseline is the policy itself: ``prm-label evaluate --likelihood``, ``tau`` given or fit
  (``fit_threshold``: the best ProcessBench F1 on a labeled set, the training side, never the
  set it is evaluated on).
- The likelihood-head PRM is the policy fine-tuned so that ``sigmoid(z_k)`` matches the step
  labels (binary cross-entropy), ``tau`` fit on the training split before training and kept; it is
  saved as a causal LM with ``config.prm_label = {"head": "likelihood", "threshold": tau, ...}``,
  which ``load_scorer`` reads.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prm_labeler.errors import InputError
from prm_labeler.steps import comment_mask
from prm_labeler.trainer import metrics
from prm_labeler.trainer.config import check_threshold
from prm_labeler.trainer.scoring import (
    ScoreItem,
    first_line,
    likelihood_head,
    load_tokenizer,
    pad_token_id,
    padded_batches,
    stream_scores,
)
from prm_labeler.trainer.tokenize import UNPLACED, encode_sample

DEFAULT_THRESHOLD = 0.5
KAPPA = 30.0
_FAR = 1e4  # stands in for -inf outside the steps (finite: no NaN in logcumsumexp's gradient)
CHUNK_ELEMENTS = 2**24  # float32 logits upcast at a time (64 MB): positions per chunk = this / (batch x vocabulary)


def chunk_positions(batch: int, vocab: int) -> int:
    return max(1, CHUNK_ELEMENTS // max(1, batch * vocab))


def token_logprobs(logits: Any, input_ids: Any, chunk: int | None = None) -> Any:
    """``lp[b, t] = log p(input_ids[b, t] | input_ids[b, :t])`` in float32; ``lp[:, 0] = 0`` (no condition).

    Computed ``chunk`` positions at a time (default ``chunk_positions``: about 64 MB of float32
    logits per chunk), in the forward and the backward pass alike: only one chunk of logits is
    ever upcast to float32 (a 150k vocabulary makes that 0.6 MB per position) and nothing of that
    size is kept for the backward pass, which writes the gradient ``onehot(target) - softmax``
    straight into one tensor of the logits' shape and dtype. ``benchmarks/likelihood_memory.py``
    measures it against the whole-tensor upcast.
    """
    import torch

    chunk = chunk or chunk_positions(logits.shape[0], logits.shape[-1])
    picked = _chunked_logprobs().apply(logits, input_ids[:, 1:], chunk)
    return torch.nn.functional.pad(picked, (1, 0))


@functools.cache
def _chunked_logprobs() -> Any:
    """The autograd Function, built on first use (importing this module does not import torch)."""
    import torch

    class ChunkedLogprobs(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, logits: Any, targets: Any, chunk: int) -> Any:
            width = targets.shape[1]
            out = torch.empty(targets.shape, dtype=torch.float32, device=logits.device)
            for s in range(0, width, chunk):
                e = min(s + chunk, width)  # logits has one position more than targets: the last predicts nothing
                piece = logits[:, s:e].float()
                out[:, s:e] = piece.gather(-1, targets[:, s:e].unsqueeze(-1))[..., 0] - torch.logsumexp(piece, dim=-1)
            ctx.save_for_backward(logits, targets)
            ctx.chunk = chunk
            return out

        @staticmethod
        def backward(ctx: Any, grad_out: Any) -> Any:
            logits, targets = ctx.saved_tensors
            width, chunk = targets.shape[1], ctx.chunk
            grad = torch.zeros_like(logits)
            for s in range(0, width, chunk):
                e = min(s + chunk, width)
                g = grad_out[:, s:e].float().unsqueeze(-1)
                piece = torch.softmax(logits[:, s:e].float(), dim=-1).mul_(-g)
                piece.scatter_add_(-1, targets[:, s:e].unsqueeze(-1), g)
                grad[:, s:e] = piece.to(grad.dtype)
            return grad, None, None

    return ChunkedLogprobs


def prefix_minima(logits: Any, input_ids: Any, counted: Any, kappa: float = KAPPA, chunk: int | None = None) -> Any:
    """``m[b, t]``: the soft minimum of the log-probabilities of the counted tokens up to token
    ``t`` (``counted``: a (batch, tokens) mask, see ``tokenize.counted_tokens``). Differentiable;
    large (about ``1e4 / kappa``) where no token counts yet."""
    import torch

    lp = token_logprobs(logits, input_ids, chunk)
    x = torch.where(counted.to(lp.device).bool(), -kappa * lp, torch.full_like(lp, -_FAR))
    return -torch.logcumsumexp(x, dim=1) / kappa


def to_score(minimum: float, threshold: float) -> float:
    return math.tanh((minimum - math.log(threshold)) / 2)


class LikelihoodScorer:
    """Per-step scores from a causal LM's token probabilities (see the module docstring)."""

    def __init__(self, model: Any, tokenizer: Any, *, threshold: float = DEFAULT_THRESHOLD, kappa: float = KAPPA,
                 max_length: int | None = None, batch_size: int = 16) -> None:
        check_threshold(threshold)
        self.model, self.tokenizer = model.eval(), tokenizer
        self.threshold, self.kappa = threshold, kappa
        self.max_length = max_length or getattr(model.config, "max_position_embeddings", None)
        self.batch_size = batch_size
        self.pad_token_id = pad_token_id(tokenizer)

    @classmethod
    def load(cls, name: str | Path, *, threshold: float | None = None, **kw: Any) -> LikelihoodScorer:
        """A causal LM directory: the policy (threshold: given or the default) or a likelihood-head
        PRM (threshold: given or the one it was trained with). Not a causal LM: InputError."""
        model = load_causal_lm(name)
        head = likelihood_head(model.config)
        if threshold is None:
            threshold = float(head["threshold"]) if head else DEFAULT_THRESHOLD
        if head and "kappa" in head:
            kw.setdefault("kappa", float(head["kappa"]))
        return cls(model, load_tokenizer(name), threshold=threshold, **kw)

    def step_minima(self, items: Sequence[ScoreItem], neutral: Sequence[Sequence[bool]] | None = None) -> list[list[float | None]]:
        """For each item, each step's prefix soft-minimum token log-probability (None: not scored,
        or no counted token yet). ``neutral``: each item's comment mask, when the caller has it."""
        import torch

        if neutral is None:
            neutral = [comment_mask(it.steps) for it in items]
        encoded = [encode_sample(self.tokenizer, it.context, it.steps, None, self.max_length, neutral=mask)
                   for it, mask in zip(items, neutral, strict=True)]
        out: list[list[float | None]] = [[None] * len(it.steps) for it in items]
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for batch, ids, mask in padded_batches([e.input_ids for e in encoded], self.batch_size, self.pad_token_id):
                ids, mask = ids.to(device), mask.to(device)
                counted = torch.zeros(ids.shape, dtype=torch.bool)
                for row, i in enumerate(batch):
                    counted[row, : len(encoded[i].counted)] = torch.as_tensor(encoded[i].counted, dtype=torch.bool)
                minima = prefix_minima(self.model(input_ids=ids, attention_mask=mask).logits, ids, counted, self.kappa).cpu()
                for row, i in enumerate(batch):
                    first = next((t for t, c in enumerate(encoded[i].counted) if c), None)
                    out[i] = [None if t == UNPLACED or first is None or t < first else float(minima[row, t])
                              for t in encoded[i].step_tokens]
        return out

    def score(self, items: Sequence[ScoreItem]) -> list[list[float | None]]:
        """Per-step scores in (-1, 1); below 0 means the prefix holds a token less likely than
        ``threshold``. Comment steps score 0 (neutral, as their labels; no reward for writing them)."""
        masks = [comment_mask(it.steps) for it in items]
        return [[None if m is None else 0.0 if comment else to_score(m, self.threshold)
                 for m, comment in zip(row, mask, strict=True)]
                for mask, row in zip(masks, self.step_minima(items, masks), strict=True)]

    def score_stream(self, items: Iterable[Any], to_item: Any, chunk: int = 512) -> Iterator[tuple[Any, list[float | None]]]:
        """Score an iterable in chunks (bounded memory); yields (item, scores) in input order."""
        return stream_scores(self.score, items, to_item, chunk)


def load_causal_lm(name: str | Path) -> Any:
    """``AutoModelForCausalLM`` of ``name``, refusing a saved model that is not a causal LM (a
    value-head PRM would load with a made-up LM head)."""
    from transformers import AutoModelForCausalLM

    from prm_labeler.trainer.scoring import check_model_name

    check_model_name(name)
    config = Path(str(name)) / "config.json"
    if config.is_file():
        try:
            archs = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
        except (OSError, ValueError) as exc:
            raise InputError(config, f"unreadable model config ({exc})") from None
        if archs and not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
            raise InputError(config, f"is a {archs[0]}, not a causal LM (the policy, or a likelihood-head PRM)", field="architectures")
    try:
        return AutoModelForCausalLM.from_pretrained(str(name), dtype="auto")
    except Exception as exc:  # noqa: BLE001 - any unloadable model is bad input
        raise InputError(name, f"cannot load as a causal LM ({first_line(exc)})", field="--model") from None


def fit_threshold(samples: Sequence[tuple[int, Sequence[float | None]]], candidates: int = 200) -> tuple[float, float]:
    """The threshold probability with the best ProcessBench F1 on ``samples`` = (labeled first
    error or -1, per-step prefix minima); returns (threshold, F1). Candidates are the quantiles
    of the observed minima (ties broken toward the larger threshold)."""
    values = sorted({m for _, row in samples for m in row if m is not None})
    if not values:
        raise ValueError("no scored steps to fit a threshold on")
    picks = {values[min(len(values) - 1, round(q * (len(values) - 1) / candidates))] for q in range(candidates + 1)}
    best = (DEFAULT_THRESHOLD, -1.0)
    for v in sorted(picks):
        # a threshold just above v: steps whose minimum is <= v are called wrong
        tau = min(math.exp(v) * (1 + 1e-9), 1 - 1e-12)
        pb = metrics.processbench([(fe, [None if m is None else m - math.log(tau) for m in row]) for fe, row in samples])
        f1 = pb["f1"] or 0.0
        if f1 >= best[1]:
            best = (tau, f1)
    return best


def labeled_minima(scorer: LikelihoodScorer, rows: Iterable[Any], limit: int | None = None) -> list[tuple[int, list[float | None]]]:
    """(labeled first error or -1, per-step prefix minima) of the labeled rows (solution and
    found_error) of a dataset, at most ``limit`` of them: what ``fit_threshold`` fits on."""
    from itertools import islice

    from data_schemas.labels import FOUND_ERROR, SOLUTION
    from prm_labeler.trainer.evaluate import row_item

    labeled = islice((r for r in rows if r["finish_reason"] in (SOLUTION, FOUND_ERROR) and r["labels"]), limit)
    return [(r["first_error_step"] if r["finish_reason"] == FOUND_ERROR else -1, minima)
            for r, minima in stream_scores(scorer.step_minima, labeled, row_item)]


def fit_on_rows(scorer: LikelihoodScorer, rows: Iterable[Any], limit: int | None = None) -> dict[str, Any] | None:
    """``fit_threshold`` over (at most ``limit``) labeled rows scored by ``scorer``:
    ``{"threshold", "f1", "samples"}``, or None when no step could be scored."""
    fitted = labeled_minima(scorer, rows, limit)
    if not any(m is not None for _, row in fitted for m in row):
        return None
    threshold, f1 = fit_threshold(fitted)
    return {"threshold": threshold, "f1": f1, "samples": len(fitted)}

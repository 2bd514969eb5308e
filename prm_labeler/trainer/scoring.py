"""Per-step PRM scores, solution-level aggregates and the dense per-line reward.

A step's score is the model's output at the step's label token (``tokenize.place_steps``),
mapped to [-1, 1]: clipped for a model trained with MSE, ``2 * sigmoid - 1`` for BCE (the loss is
recorded in the saved model's config as ``prm_label.loss``). Solution-level aggregates: min,
product of ``(score + 1) / 2`` ("Let's Verify Step by Step" multiplies step probabilities),
mean and last. The dense reward for RL divides each step's score by the number of steps
(arXiv 2410.17621: otherwise the policy collects reward by writing more lines); steps are the
non-blank lines, so blank lines neither earn nor dilute reward.

Steps cut by ``max_length`` or with no token of their own get ``None`` (null in JSON) and are
left out of the aggregates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prm_labeler.errors import InputError
from prm_labeler.trainer.tokenize import UNPLACED, encode_sample

AGGREGATES = ("min", "product", "mean", "last")


def aggregates(scores: Sequence[float | None]) -> dict[str, float | None]:
    """Solution-level scores over the scored steps; all None when no step is scored."""
    s = [x for x in scores if x is not None]
    if not s:
        return {name: None for name in AGGREGATES}
    return {
        "min": min(s),
        "product": math.prod((min(1.0, max(-1.0, x)) + 1.0) / 2.0 for x in s),
        "mean": sum(s) / len(s),
        "last": s[-1],
    }


def dense_rewards(scores: Sequence[float | None]) -> list[float | None]:
    """Per-step reward for RL: score / number of steps (the paper's normalisation)."""
    n = len(scores)
    return [None if x is None else x / n for x in scores]


def score_record(sample_id: str, problem_id: str, scores: Sequence[float | None]) -> dict[str, Any]:
    """One line of `prm-label score --out`."""
    return {
        "sample_id": sample_id,
        "problem_id": problem_id,
        "step_scores": list(scores),
        "dense_rewards": dense_rewards(scores),
        **aggregates(scores),
        "n_steps": len(scores),
        "n_scored": sum(1 for x in scores if x is not None),
    }


def to_scores(outputs: Any, loss: str) -> Any:
    """Raw head outputs (a tensor) -> scores in [-1, 1]."""
    return outputs.sigmoid() * 2 - 1 if loss == "bce" else outputs.clamp(-1, 1)


@dataclass(frozen=True)
class ScoreItem:
    """What the scorer needs of a sample: the text before the first step, and the steps."""

    context: str
    steps: Sequence[str]


class PRMScorer:
    """A trained PRM in eval mode; ``score`` runs batches sorted by length (little padding)."""

    def __init__(self, model: Any, tokenizer: Any, *, max_length: int | None = None, batch_size: int = 16) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer
        cfg = getattr(model.config, "prm_label", None) or {}
        self.loss = cfg.get("loss", "mse")
        self.max_length = max_length or getattr(model.config, "max_position_embeddings", None)
        self.batch_size = batch_size
        self.pad_token_id = pad_token_id(tokenizer)

    @classmethod
    def load(cls, model_dir: str | Path, **kw: Any) -> PRMScorer:
        """Load a saved PRM; an unreadable directory or a non-PRM is an InputError."""
        model, tokenizer = load_prm(model_dir)
        return cls(model, tokenizer, **kw)

    def score(self, items: Sequence[ScoreItem]) -> list[list[float | None]]:
        """Per-step scores of each item, in input order."""
        import torch

        encoded = [encode_sample(self.tokenizer, it.context, it.steps, None, self.max_length) for it in items]
        out: list[list[float | None]] = [[None] * len(it.steps) for it in items]
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for batch, ids, mask in padded_batches([e.input_ids for e in encoded], self.batch_size, self.pad_token_id):
                logits = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits[..., 0]
                scores = to_scores(logits.float(), self.loss).cpu()
                for row, i in enumerate(batch):
                    out[i] = [None if t == UNPLACED else float(scores[row, t]) for t in encoded[i].step_tokens]
        return out

    def score_stream(self, items: Iterable[Any], to_item: Any, chunk: int = 512) -> Iterator[tuple[Any, list[float | None]]]:
        """Score an iterable in chunks (bounded memory); yields (item, scores) in input order."""
        return stream_scores(self.score, items, to_item, chunk)


def pad_token_id(tokenizer: Any) -> int:
    """The id to pad batches with: the tokenizer's pad token, else its EOS, else 0 (masked anyway)."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return pad if pad is not None else 0


LIKELIHOOD_HEAD = "likelihood"


def likelihood_head(config: Any) -> dict[str, Any] | None:
    """The ``prm_label`` record of a likelihood-head PRM's config (an object or the config.json
    dict); None for any other model."""
    rec = getattr(config, "prm_label", None) if not isinstance(config, dict) else config.get("prm_label")
    return rec if isinstance(rec, dict) and rec.get("head") == LIKELIHOOD_HEAD else None


def padded_batches(sequences: Sequence[Sequence[int]], batch_size: int, pad_id: int, min_length: int = 1) -> Iterator[tuple[list[int], Any, Any]]:
    """Token sequences sorted by length (little padding) in batches of ``batch_size``, right-padded:
    yields (indices into ``sequences``, input_ids, attention_mask); sequences shorter than
    ``min_length`` are left out."""
    import torch

    order = sorted((i for i, seq in enumerate(sequences) if len(seq) >= min_length), key=lambda i: len(sequences[i]))
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = max(len(sequences[i]) for i in batch)
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            n = len(sequences[i])
            ids[row, :n] = torch.as_tensor(sequences[i])
            mask[row, :n] = 1
        yield batch, ids, mask


def stream_scores(score: Any, items: Iterable[Any], to_item: Any, chunk: int = 512) -> Iterator[tuple[Any, list[float | None]]]:
    """``score`` (a list of ScoreItem -> per-step scores) over an iterable in chunks of ``chunk``
    (bounded memory); yields (item, scores) in input order."""
    buf: list[Any] = []
    for it in items:
        buf.append(it)
        if len(buf) == chunk:
            yield from zip(buf, score([to_item(x) for x in buf]), strict=True)
            buf = []
    if buf:
        yield from zip(buf, score([to_item(x) for x in buf]), strict=True)


def load_prm(model_dir: str | Path) -> tuple[Any, Any]:
    """(model, tokenizer) of a saved PRM, checked: a token head with exactly one output."""
    from transformers import AutoConfig, AutoModelForTokenClassification

    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise InputError(path, "not a model directory (no config.json)", field="--model")
    try:
        config = AutoConfig.from_pretrained(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable config is bad input
        raise InputError(path / "config.json", f"unreadable model config ({first_line(exc)})") from None
    if likelihood_head(config):
        raise InputError(path, "is a likelihood-head PRM (a causal LM): score it with likelihood.LikelihoodScorer "
                         "(prm-label score and evaluate do)", field="--model")
    if config.num_labels != 1:
        raise InputError(path / "config.json", f"expected a one-output token head, got {config.num_labels}", field="num_labels")
    tokenizer = load_tokenizer(path)
    try:
        model = AutoModelForTokenClassification.from_pretrained(path, dtype="auto")
    except Exception as exc:  # noqa: BLE001
        raise InputError(path, f"cannot load the model ({first_line(exc)})", field="--model") from None
    return model, tokenizer


def check_model_name(name: str | Path) -> None:
    """A name that looks like a path must be an existing directory (never sent to the Hub)."""
    text = str(name)
    if Path(text).exists():
        if not Path(text).is_dir():
            raise InputError(text, "not a model directory", field="--model")
        return
    if text.startswith(("/", "./", "../", "~")) or text.count("/") > 1 or not text.strip():
        raise InputError(text, "no such model directory", field="--model")


def quiet_transformers() -> None:
    """transformers' load reports and progress bars off: logs stay one line each."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def load_tokenizer(name: str | Path) -> Any:
    """A fast tokenizer (offsets are needed to find each step's last token) with a pad token."""
    from transformers import AutoTokenizer

    check_model_name(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(name))
    except Exception as exc:  # noqa: BLE001
        raise InputError(name, f"cannot load a tokenizer ({first_line(exc)})", field="--model") from None
    if not getattr(tokenizer, "is_fast", False):
        raise InputError(name, "needs a fast tokenizer (offset mapping) to find each step's last token", field="--model")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__

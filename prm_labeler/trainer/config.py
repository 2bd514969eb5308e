"""The PRM trainer's configuration: one dataclass, surfaced as `prm-label train` options.

Each field's ``help`` is the option's help text (written once, here); ``cli/train_cmds.py``
builds the typer options from the fields, so `--config FILE.yaml` and `PRM_LABEL_<OPTION>`
environment variables reach every field. No torch import here: `prm-label --help` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional

from data_schemas.labels import AFTER_ERROR_CHOICES
from prm_labeler.errors import InputError

TRAIN_INFO = "prm_train.json"  # written beside the trained model: config, held-out problems, metrics
LOSSES = ("mse", "bce")
HEADS = ("value", "likelihood")
UNSOLVABLE_CHOICES = ("exclude", "negative")


def _opt(help: str, default: Any = None, **kw: Any) -> Any:
    kw.setdefault("default", default)
    return field(metadata={"help": help}, **kw)


def _req(help: str) -> Any:
    return field(metadata={"help": help})


@dataclass
class PRMTrainConfig:
    """Train a PRM: a causal-LM backbone with a one-output token head (value), or the causal LM
    itself, its token probabilities read as step scores (likelihood)."""

    # what to train on, from what, to where
    data: str = _req("Labeled dataset directory (from collect or merge).")
    model: str = _req("Backbone: a causal LM (or a PRM to continue) directory or Hub name.")
    out: str = _req("Output directory: the trained PRM (AutoModelForTokenClassification, num_labels=1; the causal LM for --head likelihood) and its tokenizer.")
    head: str = _opt("value (a new one-output token head: the critic's shape, the paper) | likelihood (no new head: a step "
                     "scores by the lowest token probability in its prefix against a threshold, trained with bce).", "value")
    likelihood_threshold: Optional[float] = _opt("--head likelihood: the threshold probability (default: fit on the training split before training).")
    # targets
    loss: Optional[str] = _opt("mse (regression on labels in [-1, 1], the paper) | bce (labels mapped to {0, 0.5, 1}, sigmoid). "
                               "Default: mse for --head value, bce for --head likelihood (its only loss).")
    max_length: int = _opt("Max tokens per sample; longer samples are cut at a step boundary (the cut steps are counted).", 2048)
    after_error: Optional[str] = _opt(f"Steps after the first error: {' | '.join(AFTER_ERROR_CHOICES)} (-1 targets, the paper) or no target. Default: as labeled.")
    unsolvable: str = _opt("Samples the completer could not solve at all: exclude | negative (every code step a -1 target).", "exclude")
    comment_targets: Optional[bool] = _opt("Comment steps (label 0) are targets (0); --no-comment-targets masks them. "
                                           "Default: targets for --head value; never for --head likelihood (comments are neutral, scored 0).")
    # held-out split, by problem (samples of one problem share lines)
    eval_fraction: float = _opt("Fraction of problems held out for evaluation (never split a problem).", 0.1)
    # optimisation (transformers.Trainer)
    epochs: float = _opt("Training epochs (ignored when --max-steps > 0).", 1.0)
    max_steps: int = _opt("Optimizer steps; > 0 overrides --epochs.", -1)
    learning_rate: float = _opt("Peak learning rate (AdamW).", 1e-5)
    lr_scheduler: str = _opt("Learning-rate schedule (transformers names: linear, cosine, constant, ...).", "linear")
    warmup_ratio: float = _opt("Fraction of steps for linear warmup.", 0.0)
    weight_decay: float = _opt("AdamW weight decay.", 0.0)
    batch_size: int = _opt("Samples per device per step.", 8)
    gradient_accumulation_steps: int = _opt("Micro-batches per optimizer step (the loss is normalised over all their targets).", 1)
    group_by_length: bool = _opt("Batch samples of similar length together (less padding); --no-group-by-length samples at random.", True)
    disable_dropout: bool = _opt("Turn dropout off in the backbone and the head (as TRL's PRM trainer does).", True)
    bf16: bool = _opt("bfloat16 mixed precision (GPU).", False)
    gradient_checkpointing: bool = _opt("Recompute activations in the backward pass (less memory, ~30% slower).", False)
    seed: int = _opt("Seed for the split, the head's initialisation, sampling and dropout.", 0)
    # bookkeeping
    logging_steps: int = _opt("Log the training loss every N optimizer steps.", 10)
    eval_steps: int = _opt("Held-out loss every N steps (0: only at the end).", 0)
    save_steps: int = _opt("Checkpoint every N steps for --resume (0: no checkpoints).", 500)
    resume: bool = _opt("Continue from the newest checkpoint in --out when there is one.", True)
    keep_checkpoints: bool = _opt("Keep checkpoint-* directories after the final model is saved.", False)
    torch_threads: Optional[int] = _opt("torch CPU threads (default: torch's choice; 1 is often fastest on 2 busy cores).")

    def __post_init__(self) -> None:
        _choice("head", self.head, HEADS)
        if self.loss is None:
            self.loss = "bce" if self.head == "likelihood" else "mse"
        _choice("loss", self.loss, LOSSES)
        if self.comment_targets is None:
            self.comment_targets = self.head == "value"
        if self.head == "likelihood" and self.comment_targets:
            raise _bad("comment_targets", "--head likelihood scores comment steps 0 by construction: they cannot be targets")
        if self.head == "likelihood" and self.loss != "bce":
            raise _bad("loss", "--head likelihood trains with bce only (its score is a probability)")
        if self.likelihood_threshold is not None:
            if self.head != "likelihood":
                raise _bad("likelihood_threshold", "only applies to --head likelihood")
            check_threshold(self.likelihood_threshold)
        _choice("unsolvable", self.unsolvable, UNSOLVABLE_CHOICES)
        if self.after_error is not None:
            _choice("after_error", self.after_error, AFTER_ERROR_CHOICES)
        _positive("max_length", self.max_length)
        _positive("batch_size", self.batch_size)
        _positive("gradient_accumulation_steps", self.gradient_accumulation_steps)
        _positive("logging_steps", self.logging_steps)
        if self.torch_threads is not None:
            _positive("torch_threads", self.torch_threads)
        if not 0.0 <= self.eval_fraction < 1.0:
            raise _bad("eval_fraction", f"{self.eval_fraction} is not in [0, 1)")
        if self.max_steps <= 0 and self.epochs <= 0:
            raise _bad("epochs", "give --epochs > 0 or --max-steps > 0")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise _bad("warmup_ratio", f"{self.warmup_ratio} is not in [0, 1)")
        if self.learning_rate <= 0:
            raise _bad("learning_rate", f"{self.learning_rate} is not > 0")
        for name in ("eval_steps", "save_steps"):
            if getattr(self, name) < 0:
                raise _bad(name, "must be >= 0")

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def check_threshold(threshold: float, field: str = "--likelihood-threshold") -> None:
    """A likelihood threshold is a probability strictly between 0 and 1."""
    if not 0.0 < threshold < 1.0:
        raise InputError(None, f"must be a probability in (0, 1), got {threshold}", field=field)


def option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _bad(name: str, message: str) -> InputError:
    return InputError(None, message, field=option_name(name))


def _choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise _bad(name, f"unknown value {value!r} ({' | '.join(choices)})")


def _positive(name: str, value: int) -> None:
    if value <= 0:
        raise _bad(name, f"{value} is not > 0")

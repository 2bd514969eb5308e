"""`prm-label train`: a PRM on ``transformers.Trainer``, with one of two heads.

- ``--head value`` (default): the backbone loaded as ``AutoModelForTokenClassification(num_labels=1)``
  (for Qwen2: ``Qwen2ForTokenClassification``, a fresh one-output head on the causal LM's body):
  the shape verl loads as its critic and reward model, so the PRM can initialise PPO's value
  function. Regression (or BCE) on the head's output at each step's label token.
- ``--head likelihood``: no new parameters. The causal LM itself, a step scored by the soft
  minimum of its token log-probabilities over the prefix against a threshold ``tau``
  (``likelihood`` module); ``tau`` is fit on the training split with the initial model (or given)
  and kept, and the LM is trained so that ``sigmoid(minimum - log tau)`` matches the labels (BCE).
  It starts as the untrained likelihood baseline and learns which unlikely tokens are mistakes.
  Saved as a causal LM; for a critic, initialise from it or use a value head.

The loss (``prm_loss``) is taken only at the step tokens and normalised by the number of targets
in the whole accumulated batch, so gradient accumulation and several devices give the same
gradient as one big batch. Everything else (accumulation, bf16, gradient checkpointing,
checkpoints and resume, multi-GPU through ``accelerate``/``torchrun``) is the Trainer's.

Output directory: the model and tokenizer (``from_pretrained`` loads them anywhere), and
``prm_train.json`` (config, held-out problems, data counts, loss history, throughput, held-out
metrics). The model's files land last, ``config.json`` very last, so a killed run never leaves
a directory that loads as a model.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from transformers import Trainer, TrainerCallback

from prm_labeler.dataset import load, tool_version
from prm_labeler.errors import InputError
from prm_labeler.trainer.config import TRAIN_INFO, PRMTrainConfig
from prm_labeler.trainer.data import (
    IGNORE,
    LengthBucketSampler,
    PrepStats,
    PRMCollator,
    heldout_problems,
    iter_rows,
    tokenized_split,
)
from prm_labeler.trainer.scoring import PRMScorer, check_model_name, first_line, load_tokenizer

CACHE = ".prm_cache"
FINAL_TMP = ".final.tmp"
Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def prm_loss(outputs: Any, labels: Any, num_items_in_batch: Any = None, *, kind: str = "mse") -> Any:
    """Loss over the target positions (labels != IGNORE): MSE on [-1, 1], or BCE on (label+1)/2.

    Summed and divided by ``num_items_in_batch`` (all targets of the accumulated batch, as the
    Trainer counts them) when given, else averaged over this batch's targets.
    """
    import torch.nn.functional as F

    logits = outputs["logits"][..., 0].float()
    mask = labels != IGNORE
    pred, target = logits[mask], labels[mask].float()
    if kind == "bce":
        per_item = F.binary_cross_entropy_with_logits(pred, (target + 1) / 2, reduction="none")
    else:
        per_item = (pred - target) ** 2
    denom = num_items_in_batch if num_items_in_batch is not None else mask.sum().clamp(min=1)
    return per_item.sum() / denom


@dataclass
class TrainResult:
    out: Path
    info: dict[str, Any]


def train(cfg: PRMTrainConfig, log: Log = _stderr) -> TrainResult:
    """Train, save, and evaluate on the held-out problems; see the module docstring."""
    import torch
    from transformers import set_seed

    out = Path(cfg.out)
    _check_out(out)
    created = not out.exists()
    ds = load(cfg.data)
    tokenizer = load_tokenizer(cfg.model)
    if cfg.torch_threads:
        torch.set_num_threads(cfg.torch_threads)
    set_seed(cfg.seed)
    try:
        return _train(cfg, ds, tokenizer, out, log)
    finally:
        shutil.rmtree(out / CACHE, ignore_errors=True)
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # failed before writing anything: leave no trace


def _train(cfg: PRMTrainConfig, ds: Any, tokenizer: Any, out: Path, log: Log) -> TrainResult:
    problem_ids = ds.select_columns(["problem_id"])["problem_id"]
    heldout = heldout_problems(problem_ids, cfg.eval_fraction, cfg.seed)
    rank = _rank()
    train_ds, train_stats = _split(ds, tokenizer, cfg, out / CACHE / f"train-{rank}.arrow", lambda p: p not in heldout)
    eval_ds, eval_stats = _split(ds, tokenizer, cfg, out / CACHE / f"eval-{rank}.arrow", lambda p: p in heldout)
    if train_ds is None:
        raise InputError(cfg.data, "no training targets (every sample unsolvable, unlabeled or longer than --max-length)")
    log(f"data: {train_stats.samples} training samples, {eval_stats.samples} held-out samples "
        f"({len(heldout)} of {len(set(problem_ids))} problems held out); "
        f"{train_stats.excluded_unsolvable + eval_stats.excluded_unsolvable} unsolvable excluded; "
        f"{train_stats.steps_truncated + eval_stats.steps_truncated} steps in "
        f"{train_stats.samples_truncated + eval_stats.samples_truncated} samples cut by --max-length {cfg.max_length}")

    likelihood = cfg.head == "likelihood"
    model = load_backbone(cfg.model, cfg.disable_dropout, causal_lm=likelihood)
    log(f"model: {type(model).__name__} from {cfg.model} ({sum(p.numel() for p in model.parameters()):,} parameters)")
    fit: dict[str, Any] = {}
    if likelihood:
        fit = _fit_threshold(cfg, model, tokenizer, (r for r in iter_rows(ds) if r["problem_id"] not in heldout), log)
    collator = PRMCollator(tokenizer.pad_token_id, counted=likelihood)
    trainer = _trainer(cfg, model, tokenizer, collator, train_ds, eval_ds, log, fit.get("threshold"))
    last = _last_checkpoint(out) if cfg.resume else None
    if last:
        log(f"resuming from {last}")
    result = trainer.train(resume_from_checkpoint=last)
    seconds = result.metrics.get("train_runtime") or 0.0
    throughput = {
        "train_seconds": seconds,
        "real_tokens": collator.real_tokens,
        "padded_tokens": collator.padded_tokens,
        "padding_fraction": 1 - collator.real_tokens / collator.padded_tokens if collator.padded_tokens else 0.0,
        "tokens_per_second": collator.real_tokens / seconds if seconds else None,
    }
    eval_loss = trainer.evaluate()["eval_loss"] if eval_ds is not None else None
    info: dict[str, Any] = {
        "tool_version": tool_version(),
        "config": cfg.as_dict(),
        "heldout_problems": sorted(heldout),
        "data": {"train": train_stats.as_dict(), "heldout": eval_stats.as_dict()},
        "train_loss": result.training_loss,
        "eval_loss": eval_loss,
        "throughput": throughput,
        "log_history": trainer.state.log_history,
    }
    if fit:
        info["likelihood_threshold"] = fit
    if not trainer.is_world_process_zero():
        return TrainResult(out, info)
    _prepare_for_save(trainer.model, cfg, fit.get("threshold"))
    if heldout:
        from prm_labeler.trainer.evaluate import evaluate_rows, render_table
        from prm_labeler.trainer.likelihood import LikelihoodScorer

        scorer: Any = (LikelihoodScorer(trainer.model, tokenizer, threshold=fit["threshold"], batch_size=cfg.batch_size)
                       if likelihood else PRMScorer(trainer.model, tokenizer, batch_size=cfg.batch_size))
        info["heldout_metrics"] = evaluate_rows(scorer, (r for r in iter_rows(ds) if r["problem_id"] in heldout))
        log("held-out problems:\n" + render_table(info["heldout_metrics"]))
    _save(trainer, cfg, out, info)
    log(f"PRM saved to {out} (train loss {result.training_loss:.4f}"
        + (f", held-out loss {eval_loss:.4f})" if eval_loss is not None else ")"))
    return TrainResult(out, info)


def load_backbone(name: str, disable_dropout: bool = True, causal_lm: bool = False) -> Any:
    """The backbone as a token classifier with one output (a new head on a causal LM), or as the
    causal LM itself (``causal_lm``: the likelihood head), in float32."""
    import torch
    from transformers import AutoModelForTokenClassification

    check_model_name(name)
    if causal_lm:
        from prm_labeler.trainer.likelihood import load_causal_lm

        model = load_causal_lm(name).float()
    else:
        try:
            model = AutoModelForTokenClassification.from_pretrained(name, num_labels=1, dtype=torch.float32)
        except Exception as exc:  # noqa: BLE001 - unreadable or unsupported checkpoints are bad input
            raise InputError(name, f"cannot load as AutoModelForTokenClassification ({first_line(exc)})", field="--model") from None
    if disable_dropout:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    return model


FIT_SAMPLES = 4096  # labeled training samples the threshold is fit on (one scoring pass)


def _fit_threshold(cfg: PRMTrainConfig, model: Any, tokenizer: Any, rows: Any, log: Log) -> dict[str, Any]:
    """The likelihood head's threshold: given, kept from a likelihood-head ``--model``, or the best
    ProcessBench F1 of the initial model on (at most FIT_SAMPLES of) the training split's labeled samples."""
    from prm_labeler.trainer.likelihood import LikelihoodScorer, fit_on_rows
    from prm_labeler.trainer.scoring import likelihood_head

    if cfg.likelihood_threshold is not None:
        return {"threshold": cfg.likelihood_threshold, "fit": None}
    own = likelihood_head(model.config)
    if own:  # continuing a likelihood-head PRM: keep the threshold it was trained with
        return {"threshold": float(own["threshold"]), "fit": "from --model"}
    scorer = LikelihoodScorer(model, tokenizer, max_length=cfg.max_length, batch_size=cfg.batch_size)
    fit = fit_on_rows(scorer, rows, FIT_SAMPLES)
    if fit is None:
        raise InputError(cfg.data, "no labeled, scorable training samples to fit the likelihood threshold on", field="--likelihood-threshold")
    log(f"likelihood threshold {fit['threshold']:.4g} (ProcessBench F1 {fit['f1']:.3f} of the untrained model on {fit['samples']} training samples)")
    return {"threshold": fit["threshold"], "fit": {"samples": fit["samples"], "f1": fit["f1"]}}


def _split(ds: Any, tokenizer: Any, cfg: PRMTrainConfig, path: Path, keep: Callable[[str], bool]) -> tuple[Any, PrepStats]:
    rows = (r for r in iter_rows(ds) if keep(r["problem_id"]))
    return tokenized_split(rows, tokenizer, path, max_length=cfg.max_length, after_error=cfg.after_error,
                           unsolvable=cfg.unsolvable, comment_targets=cfg.comment_targets, counted=cfg.head == "likelihood")


def _trainer(cfg: PRMTrainConfig, model: Any, tokenizer: Any, collator: PRMCollator, train_ds: Any, eval_ds: Any, log: Log,
             threshold: float | None = None) -> Any:
    from transformers import PrinterCallback, ProgressCallback, TrainingArguments

    args = TrainingArguments(
        output_dir=cfg.out,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        bf16=cfg.bf16,
        gradient_checkpointing=cfg.gradient_checkpointing,
        seed=cfg.seed,
        logging_steps=cfg.logging_steps,
        eval_strategy="steps" if cfg.eval_steps and eval_ds is not None else "no",
        eval_steps=cfg.eval_steps or None,
        save_strategy="steps" if cfg.save_steps else "no",
        save_steps=cfg.save_steps or 500,
        save_total_limit=2,
        remove_unused_columns=False,
        prediction_loss_only=True,
        report_to="none",
        disable_tqdm=True,
        dataloader_pin_memory=False,
    )
    common = dict(group_by_length=cfg.group_by_length, model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                  data_collator=collator, processing_class=tokenizer, callbacks=[_LogCallback(log)])
    if threshold is not None:
        trainer: Any = LikelihoodPRMTrainer(threshold=threshold, **common)
    else:
        trainer = PRMTrainer(compute_loss_func=partial(prm_loss, kind=cfg.loss), **common)
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return trainer


class PRMTrainer(Trainer):
    """``Trainer`` with length-bucketed batches (``data.bucket_order``) when asked."""

    def __init__(self, *args: Any, group_by_length: bool = True, **kwargs: Any) -> None:
        self.group_by_length = group_by_length
        super().__init__(*args, **kwargs)

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if self.group_by_length and dataset is not None and "length" in dataset.column_names:
            return LengthBucketSampler(dataset["length"], self.args.per_device_train_batch_size)
        return super()._get_train_sampler(train_dataset)


class LikelihoodPRMTrainer(PRMTrainer):
    """The likelihood head's loss: BCE of ``prefix minimum - log threshold`` at the step tokens
    (``prm_loss`` on those logits, so normalisation is the value head's)."""

    def __init__(self, *args: Any, threshold: float, **kwargs: Any) -> None:
        import math

        self.log_threshold = math.log(threshold)
        super().__init__(*args, **kwargs)

    def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None) -> Any:
        from prm_labeler.trainer.likelihood import prefix_minima

        ids = inputs["input_ids"]
        outputs = model(input_ids=ids, attention_mask=inputs["attention_mask"])
        logits = (prefix_minima(outputs.logits, ids, inputs["counted"]) - self.log_threshold).unsqueeze(-1)
        loss = prm_loss({"logits": logits}, inputs["labels"], num_items_in_batch, kind="bce")
        return (loss, {"logits": logits}) if return_outputs else loss


class _LogCallback(TrainerCallback):
    """Training progress as one line per log event, on stderr (stdout carries only data)."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in logs.items())
        self.log(f"step {state.global_step}/{state.max_steps}: {shown}")


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))  # torchrun / accelerate: one cache file per process


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", field="--out")
    if (out / "config.json").exists():
        raise InputError(out, "already holds a trained model; choose another --out", field="--out")
    if out.is_dir():
        foreign = [p.name for p in out.iterdir() if not (p.name.startswith("checkpoint-") or p.name in (CACHE, FINAL_TMP))]
        if foreign:
            raise InputError(out, f"not empty and not a PRM training run ({foreign[0]}); choose another --out", field="--out")


def _last_checkpoint(out: Path) -> str | None:
    if not out.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(out))


def _prepare_for_save(model: Any, cfg: PRMTrainConfig, threshold: float | None = None) -> None:
    if cfg.head == "likelihood":
        from prm_labeler.trainer.likelihood import KAPPA
        from prm_labeler.trainer.scoring import LIKELIHOOD_HEAD

        model.config.prm_label = {"head": LIKELIHOOD_HEAD, "loss": cfg.loss, "threshold": threshold, "kappa": KAPPA,
                                  "max_length": cfg.max_length, "tool_version": tool_version(),
                                  "score": "tanh((softmin_kappa(step-token log-probs up to the step) - log(threshold)) / 2)"}
        return
    model.config.prm_label = {"head": "value", "loss": cfg.loss, "max_length": cfg.max_length, "tool_version": tool_version(),
                              "score": "2*sigmoid(output)-1" if cfg.loss == "bce" else "clip(output, -1, 1)"}
    model.config.id2label, model.config.label2id = {0: "step_score"}, {"step_score": 0}


def _save(trainer: Any, cfg: PRMTrainConfig, out: Path, info: dict[str, Any]) -> None:
    tmp = out / FINAL_TMP
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(str(tmp))
    (tmp / TRAIN_INFO).write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")
    files = sorted(tmp.iterdir(), key=lambda p: p.name == "config.json")  # config.json last
    for f in files:
        f.replace(out / f.name)
    tmp.rmdir()
    if not cfg.keep_checkpoints:
        for ck in out.glob("checkpoint-*"):
            shutil.rmtree(ck, ignore_errors=True)

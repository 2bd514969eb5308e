"""`prm-label train | score | evaluate`: train a PRM (value or likelihood head), score samples, measure it.

`train`'s options are generated from ``PRMTrainConfig``'s fields (help written once, there);
every option also reads ``PRM_LABEL_<OPTION>`` and ``--config FILE.yaml`` (command line > env >
YAML > defaults). Logs go to stderr; stdout carries only data (evaluate's table or JSON).
torch and transformers are imported inside the commands, so `prm-label --help` stays fast.
"""

from __future__ import annotations

import inspect
import json
import typing
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli.common import fail_on_input_errors
from cli.config_file import check_config, load_config
from prm_labeler.errors import InputError
from prm_labeler.trainer.config import PRMTrainConfig

ENV = "PRM_LABEL_"
SPLITS = ("all", "heldout", "train")


def _env(name: str) -> str:
    return ENV + name.upper()


CONFIG_OPTION = Annotated[
    Optional[Path],
    typer.Option(help="YAML of option values (command line > env > YAML > defaults).", callback=load_config, is_eager=True),
]


def _train_signature() -> inspect.Signature:
    """``train``'s parameters: ctx, one option per PRMTrainConfig field, then --config."""
    hints = typing.get_type_hints(PRMTrainConfig)
    params = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for f in fields(PRMTrainConfig):
        option = typer.Option(help=f.metadata["help"], envvar=_env(f.name))
        default = inspect.Parameter.empty if f.default is MISSING else f.default
        params.append(inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                        annotation=Annotated[hints[f.name], option]))
    params.append(inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=CONFIG_OPTION))
    return inspect.Signature(params)


@fail_on_input_errors
def _train(ctx: typer.Context, config: Optional[Path] = None, **options: Any) -> None:
    check_config(ctx)
    cfg = PRMTrainConfig(**options)
    from prm_labeler.trainer.scoring import quiet_transformers
    from prm_labeler.trainer.train import train

    quiet_transformers()
    train(cfg)


def train_cmd(ctx: typer.Context, **kwargs: Any) -> None:
    """Train a PRM on labeled samples: a one-output token head on a causal LM (--head value, the
    critic's shape), or the causal LM's own token probabilities (--head likelihood)."""
    _train(ctx, **kwargs)


train_cmd.__signature__ = _train_signature()  # type: ignore[attr-defined]
train_cmd.__annotations__ = {p.name: p.annotation for p in train_cmd.__signature__.parameters.values()}  # type: ignore[attr-defined]


@fail_on_input_errors
def score_cmd(
    ctx: typer.Context,
    model: Annotated[Path, typer.Option(help="Trained PRM directory (from prm-label train).", envvar=_env("model"))],
    out: Annotated[Path, typer.Option(help="Output JSON Lines: one record per sample.", envvar=_env("out"))],
    data: Annotated[Optional[Path], typer.Option(help="Labeled dataset directory to score.", envvar=_env("data"))] = None,
    solutions: Annotated[Optional[Path], typer.Option(help='JSONL of {"problem_id", "solution"} to score (needs --problems).', envvar=_env("solutions"))] = None,
    problems: Annotated[Optional[Path], typer.Option(help="Problems of --solutions (their prompts and solution prefixes).", envvar=_env("problems"))] = None,
    format: Annotated[str, typer.Option("--format", help="Problem format of --problems (auto, humaneval, mbpp, ...).", envvar=_env("format"))] = "auto",
    batch_size: Annotated[int, typer.Option(help="Samples per forward pass (sorted by length).", envvar=_env("batch_size"))] = 16,
    max_length: Annotated[Optional[int], typer.Option(help="Max tokens per sample; later steps get null (default: the model's).", envvar=_env("max_length"))] = None,
    torch_threads: Annotated[Optional[int], typer.Option(help="torch CPU threads.", envvar=_env("torch_threads"))] = None,
    config: CONFIG_OPTION = None,
) -> None:
    """Per-step scores, solution-level aggregates (min, product, mean, last) and dense per-line rewards."""
    check_config(ctx)
    from prm_labeler.trainer.score_job import score_to_file
    from prm_labeler.trainer.scoring import quiet_transformers

    quiet_transformers()
    if (data is None) == (solutions is None):
        raise InputError(None, "give --data DIR or --solutions FILE (one of them)", field="--data/--solutions")
    if solutions is not None and problems is None:
        raise InputError(None, "--solutions needs --problems (the prompts the solutions answer)", field="--problems")
    count, steps, unscored = score_to_file(model, out, data=data, solutions=solutions, problems=problems, fmt=format,
                                           batch_size=batch_size, max_length=max_length, torch_threads=torch_threads)
    note = f"; {unscored} steps past --max-length got null" if unscored else ""
    typer.echo(f"scored {count} samples ({steps} steps) into {out}{note}", err=True)


@fail_on_input_errors
def evaluate_cmd(
    ctx: typer.Context,
    model: Annotated[Path, typer.Option(help="Trained PRM directory (from prm-label train, either head); with --likelihood, the policy or a likelihood-head PRM.", envvar=_env("model"))],
    data: Annotated[Path, typer.Option(help="Labeled dataset directory.", envvar=_env("data"))],
    out: Annotated[Optional[Path], typer.Option(help="Also save the report as JSON here.", envvar=_env("out"))] = None,
    likelihood: Annotated[bool, typer.Option("--likelihood", help="Baseline: score each step by --model's own probability of the least likely token of its prefix (wrong below the threshold).")] = False,
    likelihood_threshold: Annotated[Optional[float], typer.Option(help="With --likelihood: the probability below which a step counts as wrong (default: a likelihood-head PRM's own, else 0.5).", envvar=_env("likelihood_threshold"))] = None,
    fit_data: Annotated[Optional[Path], typer.Option(help="With --likelihood: fit the threshold for the best first-error F1 on this labeled dataset (the training side).", envvar=_env("fit_data"))] = None,
    split: Annotated[str, typer.Option(help="all | heldout | train: the problems `train` held out (prm_train.json in --model), or the others.", envvar=_env("split"))] = "all",
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout instead of the table.")] = False,
    batch_size: Annotated[int, typer.Option(help="Samples per forward pass (sorted by length).", envvar=_env("batch_size"))] = 16,
    max_length: Annotated[Optional[int], typer.Option(help="Max tokens per sample (default: the model's).", envvar=_env("max_length"))] = None,
    torch_threads: Annotated[Optional[int], typer.Option(help="torch CPU threads.", envvar=_env("torch_threads"))] = None,
    config: CONFIG_OPTION = None,
) -> None:
    """Step MSE and sign accuracy, AUROC, ProcessBench first-error F1, best-of-N, PF-PPO R²."""
    check_config(ctx)
    if split not in SPLITS:
        raise InputError(None, f"unknown value {split!r} ({' | '.join(SPLITS)})", field="--split")
    if out is not None and out.is_dir():
        raise InputError(out, "is a directory; give a .json file", field="--out")
    if not likelihood and (likelihood_threshold is not None or fit_data is not None):
        raise InputError(None, "needs --likelihood", field="--likelihood-threshold" if likelihood_threshold is not None else "--fit-data")
    from prm_labeler.trainer.score_job import evaluate_dir
    from prm_labeler.trainer.scoring import quiet_transformers

    quiet_transformers()
    report = evaluate_dir(model, data, split=split, batch_size=batch_size, max_length=max_length, torch_threads=torch_threads, out=out,
                          likelihood=likelihood, likelihood_threshold=likelihood_threshold, fit_data=fit_data)
    if json_out:
        typer.echo(json.dumps(report, indent=1))
    else:
        from prm_labeler.trainer.evaluate import render_table

        typer.echo(render_table(report))
    if out is not None:
        typer.echo(f"report saved to {out}", err=True)


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
    app.command("score")(score_cmd)
    app.command("evaluate")(evaluate_cmd)

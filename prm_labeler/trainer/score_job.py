"""The I/O edges of `prm-label score` and `prm-label evaluate`: read inputs, write outputs atomically.

Solutions files are split into steps exactly as `collect --samples` splits them
(``steps.split_solution`` with the problem's solution prefix), and get the same ``sample_id``
(``make_sample_id("samples:<file name>", problem_id, index within the problem)``), so scores line
up with a labeled run of the same file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prm_labeler.arrow_files import atomic_file, atomic_write_text
from prm_labeler.dataset import load, make_sample_id
from prm_labeler.errors import InputError
from prm_labeler.trainer.config import TRAIN_INFO
from prm_labeler.trainer.data import iter_rows
from prm_labeler.trainer.evaluate import evaluate_rows, row_item
from prm_labeler.trainer.scoring import PRMScorer, ScoreItem, score_record
from prm_labeler.trainer.tokenize import model_context


def _set_threads(torch_threads: int | None) -> None:
    if torch_threads:
        import torch

        torch.set_num_threads(torch_threads)


def load_scorer(model: str | Path, batch_size: int = 16, max_length: int | None = None, torch_threads: int | None = None) -> Any:
    """The scorer of a trained PRM directory: a value head (``PRMScorer``) or a likelihood head
    (``LikelihoodScorer`` with its threshold); both have ``score`` and ``score_stream``."""
    from prm_labeler.trainer.likelihood import LikelihoodScorer
    from prm_labeler.trainer.scoring import likelihood_head

    _set_threads(torch_threads)
    model = Path(model)
    config = model / "config.json"
    try:
        record = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, ValueError) as exc:
        raise InputError(config, f"unreadable model config ({exc})") from None
    if likelihood_head(record):
        return LikelihoodScorer.load(model, batch_size=batch_size, max_length=max_length)
    return PRMScorer.load(model, batch_size=batch_size, max_length=max_length)


def _likelihood_scorer(model: Path, batch_size: int, max_length: int | None, torch_threads: int | None,
                       threshold: float | None, fit_data: Path | None, info: dict[str, Any]) -> Any:
    from prm_labeler.trainer.config import check_threshold
    from prm_labeler.trainer.likelihood import LikelihoodScorer, fit_on_rows

    if threshold is not None and fit_data is not None:
        raise InputError(None, "give --likelihood-threshold or --fit-data, not both", field="--fit-data")
    if threshold is not None:
        check_threshold(threshold)
    _set_threads(torch_threads)
    scorer = LikelihoodScorer.load(model, threshold=threshold, batch_size=batch_size, max_length=max_length)
    fit = None
    if fit_data is not None:
        fitted = fit_on_rows(scorer, iter_rows(load(fit_data)))
        if fitted is None:
            raise InputError(fit_data, "has no labeled, scorable samples to fit the threshold on", field="--fit-data")
        scorer.threshold = fitted["threshold"]
        fit = {"data": str(fit_data), "samples": fitted["samples"], "f1": fitted["f1"]}
    info["likelihood_baseline"] = {"threshold": scorer.threshold, "fit": fit}
    return scorer


def _solution_items(solutions: Path, problems: Path, fmt: str) -> Iterator[tuple[dict[str, Any], ScoreItem]]:
    from prm_labeler.problems import load_problem_map
    from prm_labeler.solutions import iter_solutions
    from prm_labeler.steps import split_solution

    problem_map = load_problem_map(problems, fmt)
    source = "samples:" + solutions.name
    count: dict[str, int] = {}
    for rec in iter_solutions(solutions, problem_map):
        problem = problem_map[rec.problem_id]
        index = count.get(rec.problem_id, 0)
        count[rec.problem_id] = index + 1
        split = split_solution(rec.solution, problem.solution_prefix)
        meta = {"sample_id": make_sample_id(source, rec.problem_id, index), "problem_id": rec.problem_id}
        yield meta, ScoreItem(model_context(problem.prompt, rec.solution, split.steps_start), split.steps)


def score_to_file(
    model: Path,
    out: Path,
    *,
    data: Path | None = None,
    solutions: Path | None = None,
    problems: Path | None = None,
    fmt: str = "auto",
    batch_size: int = 16,
    max_length: int | None = None,
    torch_threads: int | None = None,
) -> tuple[int, int, int]:
    """Score a dataset or a solutions file into ``out`` (JSONL); returns (samples, steps, unscored steps)."""
    if out.is_dir():
        raise InputError(out, "is a directory; give a .jsonl file", field="--out")
    if data is not None:
        ds = load(data)
        pairs: Iterator[tuple[Any, ScoreItem]] = ((r, row_item(r)) for r in iter_rows(ds))
    else:
        assert solutions is not None and problems is not None
        pairs = _solution_items(solutions, problems, fmt)
        first = next(pairs, None)  # read (and check) the inputs before loading the model
        pairs = _chain(first, pairs)
    scorer = load_scorer(model, batch_size, max_length, torch_threads)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = steps = unscored = 0
    with atomic_file(out) as fh:
        for (meta, _), scores in scorer.score_stream(pairs, lambda pair: pair[1]):
            fh.write(json.dumps(score_record(meta["sample_id"], meta["problem_id"], scores)) + "\n")
            count += 1
            steps += len(scores)
            unscored += sum(1 for s in scores if s is None)
    return count, steps, unscored


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rest


def evaluate_dir(
    model: Path,
    data: Path,
    *,
    split: str = "all",
    batch_size: int = 16,
    max_length: int | None = None,
    torch_threads: int | None = None,
    out: Path | None = None,
    likelihood: bool = False,
    likelihood_threshold: float | None = None,
    fit_data: Path | None = None,
) -> dict[str, Any]:
    """The metrics report of ``model`` on ``data`` (optionally only the problems `train` held out).

    A likelihood-head PRM is scored with the threshold it was trained with. ``likelihood``: ``model``
    is a causal LM (the policy, or a likelihood-head PRM) scored by ``likelihood.LikelihoodScorer``
    with ``likelihood_threshold``, or the threshold fit on ``fit_data`` (a labeled dataset), or its
    own (a likelihood-head PRM) or the default.
    """
    ds = load(data)
    keep = _split_filter(model, split)
    baseline: dict[str, Any] = {}
    if likelihood:
        scorer: Any = _likelihood_scorer(model, batch_size, max_length, torch_threads, likelihood_threshold, fit_data, baseline)
    else:
        scorer = load_scorer(model, batch_size, max_length, torch_threads)
    rows = (r for r in iter_rows(ds) if keep(r["problem_id"]))
    report = {"model": str(model), "data": str(data), "split": split, **baseline, **evaluate_rows(scorer, rows)}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, json.dumps(report, indent=1) + "\n")
    return report


def _split_filter(model: Path, split: str) -> Any:
    if split == "all":
        return lambda pid: True
    info_path = model / TRAIN_INFO
    try:
        heldout = set(json.loads(info_path.read_text(encoding="utf-8"))["heldout_problems"])
    except FileNotFoundError:
        raise InputError(info_path, "missing: --split heldout|train needs the model's training record", field="--split") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(info_path, f"unreadable ({exc})", field="heldout_problems") from None
    if split == "heldout":
        return lambda pid: pid in heldout
    return lambda pid: pid not in heldout

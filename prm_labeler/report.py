"""`prm-label report`: one self-contained HTML page to judge a labeled dataset by eye.

The page holds a summary (finish reasons, checkpoints, labels, cost against a linear scan),
matplotlib plots embedded as base64 PNG, and a line-by-line viewer of samples (labels coloured,
first error marked, every probed prefix with n / n_passed and its witness completion). Nothing is
fetched at view time: CSS and JS are inline, images are ``data:`` URIs.

Scale: the statistics stream over the whole dataset in Arrow batches (``stats.compute_stats`` for
the totals, plus vectorised ``pyarrow.compute`` passes here for what the plots need), so memory is
one batch plus small counters. The viewer shows at most ``max_samples`` samples, a deterministic
random choice (``seed``) when the dataset has more; the page says how many of how many.

PRM scores (``--prm MODEL``) are computed for the samples in the viewer only, through the
scoring API of issue 6, looked up at run time (see ``find_scorer``)::

    score_dataset(model_dir, dataset) -> list[list[float | None]]   # a list per row, a score per step

Callers that already have scores pass ``prm_scores={sample_id: [score per step]}`` instead.

Module split: this file (statistics, sample choice, PRM hook, orchestration), ``report_plots``
(matplotlib figures), ``report_html`` (the page: CSS, JS, escaping, the per-sample viewer).
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.compute as pc
from datasets.table import InMemoryTable

from data_schemas.labels import FINISH_REASONS, FOUND_ERROR
from prm_labeler.dataset import is_finished, iter_tables, load
from prm_labeler.errors import InputError
from prm_labeler.stats import Stats, compute_stats

BATCH_ROWS = 8192
FRACTION_BINS = 20  # first-error position as a fraction of the steps, in 1/20ths
DEFAULT_MAX_SAMPLES = 2000

# Where the PRM scoring API (issue 6) may live; the first module with `score_dataset` wins.
SCORER_MODULES = (
    "prm_labeler.trainer.scoring",
    "prm_labeler.trainer",
    "prm_labeler.scoring",
    "prm_labeler.score",
    "prm_labeler.prm",
)
SCORER_FUNCTION = "score_dataset"

# Columns the per-sample viewer shows (the rest stay on disk).
VIEWER_COLUMNS = (
    "problem_id",
    "sample_id",
    "checkpoint",
    "sample_index",
    "solution",
    "steps_offset",
    "steps",
    "labels",
    "first_error_step",
    "finish_reason",
    "probes",
    "witnesses",
    "n",
    "after_error",
    "cost_completer_calls",
    "cost_completions",
    "cost_completer_tokens",
    "cost_sandbox_runs",
    "cost_seconds",
)
_PLOT_COLUMNS = (
    "problem_id",
    "checkpoint",
    "finish_reason",
    "steps",
    "labels",
    "first_error_step",
    "probes",
    "n",
    "cost_completions",
    "cost_sandbox_runs",
)


def log2_bound(steps: int) -> int:
    """Probes a binary search over the prefixes 0..L needs at most: ceil(log2(L+1)) + 1."""
    return math.ceil(math.log2(steps + 1)) + 1


@dataclass
class Searched:
    """Sums over found_error samples: what the binary search cost against a linear scan."""

    samples: int = 0
    steps: int = 0  # a linear scan probes every prefix: L probes per sample
    probes: int = 0
    completions: int = 0
    sandbox_runs: int = 0
    linear_completions: int = 0  # sum of L * n
    within_bound: int = 0  # samples with probes <= ceil(log2(L+1)) + 1


@dataclass
class ReportStats:
    """Everything the summary and the plots show, over the whole dataset."""

    base: Stats
    by_checkpoint: dict[str, dict[str, int]] = field(default_factory=dict)  # checkpoint -> reason -> n
    first_error_abs: Counter[int] = field(default_factory=Counter)  # first_error_step -> n
    first_error_frac: list[int] = field(default_factory=lambda: [0] * FRACTION_BINS)
    probes_by_length: Counter[tuple[int, int]] = field(default_factory=Counter)  # (L, probes) -> n
    searched: Searched = field(default_factory=Searched)
    per_problem: dict[str, list[int]] = field(default_factory=dict)  # problem -> [n(-1), n(0), n(+1)]


def collect_stats(ds: datasets.Dataset, batch_rows: int = BATCH_ROWS) -> ReportStats:
    """The totals from ``stats.compute_stats`` plus the plots' counters, streaming in batches."""
    out = ReportStats(base=compute_stats(ds))
    by_ckpt: dict[str, Counter[str]] = {}
    for table in iter_tables(ds.select_columns(list(_PLOT_COLUMNS)), batch_rows):
        _add_batch(out, table, by_ckpt)
    out.by_checkpoint = {k: {r: c.get(r, 0) for r in FINISH_REASONS} for k, c in sorted(by_ckpt.items(), key=lambda kv: natural_key(kv[0]))}
    return out


def _add_batch(out: ReportStats, table: pa.Table, by_ckpt: dict[str, Counter[str]]) -> None:
    table = table.combine_chunks()  # one chunk per column: list_parent_indices is per chunk
    reason = table.column("finish_reason")
    for row in table.select(["checkpoint", "finish_reason"]).group_by(["checkpoint", "finish_reason"]).aggregate([([], "count_all")]).to_pylist():
        by_ckpt.setdefault(row["checkpoint"], Counter())[row["finish_reason"]] += row["count_all"]

    n_steps = pc.list_value_length(table.column("steps")).to_numpy(zero_copy_only=False)
    n_probes = pc.list_value_length(table.column("probes")).to_numpy(zero_copy_only=False)
    found = pc.equal(reason, FOUND_ERROR).to_numpy(zero_copy_only=False)
    fe = table.column("first_error_step").to_numpy(zero_copy_only=False)
    n = table.column("n").to_numpy(zero_copy_only=False)
    hit = found & (fe >= 0) & (n_steps > 0)
    fe_hit, len_hit, probes_hit = fe[hit], n_steps[hit], n_probes[hit]
    out.first_error_abs.update(fe_hit.tolist())
    bins = (FRACTION_BINS * fe_hit // len_hit).clip(0, FRACTION_BINS - 1)
    for b in bins.tolist():
        out.first_error_frac[b] += 1
    out.probes_by_length.update(zip(len_hit.tolist(), probes_hit.tolist()))
    s = out.searched
    s.samples += int(hit.sum())
    s.steps += int(len_hit.sum())
    s.probes += int(probes_hit.sum())
    s.linear_completions += int((len_hit.astype("int64") * n[hit]).sum())
    bound = [log2_bound(L) for L in len_hit.tolist()]
    s.within_bound += sum(p <= b for p, b in zip(probes_hit.tolist(), bound))
    s.completions += int(table.column("cost_completions").to_numpy(zero_copy_only=False)[hit].sum())
    s.sandbox_runs += int(table.column("cost_sandbox_runs").to_numpy(zero_copy_only=False)[hit].sum())

    labels = table.column("labels")
    flat = pc.list_flatten(labels)
    if len(flat):
        problems = pc.take(table.column("problem_id"), pc.list_parent_indices(labels))
        grouped = pa.table({"problem_id": problems, "label": flat}).group_by(["problem_id", "label"]).aggregate([([], "count_all")])
        for row in grouped.to_pylist():
            out.per_problem.setdefault(row["problem_id"], [0, 0, 0])[row["label"] + 1] += row["count_all"]
    for pid in pc.unique(table.column("problem_id")).to_pylist():
        out.per_problem.setdefault(pid, [0, 0, 0])


def natural_key(text: str) -> list[Any]:
    """Sort 'step-100' after 'step-20': digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


# --- the viewer's samples -----------------------------------------------------------------------


def viewer_indices(total: int, max_samples: int, seed: int) -> list[int]:
    """All rows when they fit, else a deterministic random choice of ``max_samples``, in order."""
    if max_samples < 0:
        raise ValueError("max_samples must be >= 0")
    if total <= max_samples:
        return list(range(total))
    return sorted(random.Random(seed).sample(range(total), max_samples))


def iter_viewer_rows(ds: datasets.Dataset, indices: Sequence[int], batch_rows: int = 512) -> Iterator[dict[str, Any]]:
    """The chosen rows as dicts, a batch at a time (only the viewer's columns)."""
    for batch in _take(_arrow_table(ds).select(list(VIEWER_COLUMNS)), indices, batch_rows):
        yield from batch.to_pylist()


def subset(ds: datasets.Dataset, indices: Sequence[int]) -> datasets.Dataset:
    """The rows ``indices`` (ascending) as an in-memory Dataset with every column."""
    table = _arrow_table(ds)
    batches = list(_take(table, indices))
    return datasets.Dataset(InMemoryTable(pa.Table.from_batches(batches, schema=table.schema)), info=ds.info.copy())


def _arrow_table(ds: datasets.Dataset) -> pa.Table:
    if ds._indices is not None:  # not from prm_labeler.dataset.load; kept correct anyway
        ds = ds.flatten_indices(keep_in_memory=True)
    return ds.data.table


def _take(table: pa.Table, indices: Sequence[int], batch_rows: int = 512) -> Iterator[pa.RecordBatch]:
    """Rows ``indices`` (strictly ascending) of a memory-mapped table, gathered per record batch.

    Not ``Dataset.select`` (with scattered indices it writes an indices cache file into the
    dataset's directory) nor ``Table.take`` (on a chunked table it concatenates whole columns).
    """
    if any(b <= a for a, b in itertools.pairwise(indices)):
        raise ValueError("indices must be strictly ascending")
    offset, i = 0, 0
    for batch in table.to_batches():
        if i == len(indices):
            break
        end = offset + batch.num_rows
        local = []
        while i < len(indices) and indices[i] < end:
            local.append(indices[i] - offset)
            i += 1
        for start in range(0, len(local), batch_rows):
            yield batch.take(pa.array(local[start : start + batch_rows], type=pa.int64()))
        offset = end


# --- PRM scores -----------------------------------------------------------------------------------

Score = float | None  # None: a step the PRM did not score (cut by max_length, no token of its own)
Scorer = Callable[[Any, datasets.Dataset], Sequence[Sequence[Score]]]


def find_scorer() -> Scorer | None:
    """The PRM scoring API of issue 6::

        score_dataset(model_dir, dataset) -> list[list[float | None]]

    one list per row of ``dataset`` (a ``datasets.Dataset`` with the labeled-sample columns), one
    score in [-1, 1] per step (None for a step left unscored). Taken from the first of
    ``SCORER_MODULES`` that defines it; failing that, built from issue 6's ``load_scorer`` as it
    stands (``_trainer_adapter``); None when neither exists."""
    for name in SCORER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name is not None and name.startswith(err.name):
                continue  # the module itself is absent; a missing dependency inside it is raised
            raise
        fn = getattr(module, SCORER_FUNCTION, None)
        if callable(fn):
            return fn
    return _trainer_adapter()


def _trainer_adapter() -> Scorer | None:
    """``score_dataset`` over ``prm_labeler.trainer``'s ``load_scorer(dir).score_stream(rows,
    row_item)`` (either head), for as long as issue 6 has no ``score_dataset`` of its own."""
    try:
        from prm_labeler.trainer.evaluate import row_item
        from prm_labeler.trainer.score_job import load_scorer
    except ImportError:
        return None

    def score_dataset(model_dir: Any, dataset: datasets.Dataset) -> list[list[Score]]:
        try:
            from prm_labeler.trainer.scoring import quiet_transformers

            quiet_transformers()  # no load reports or progress bars on stderr
        except ImportError:
            pass
        scorer = load_scorer(model_dir)
        return [list(scores) for _, scores in scorer.score_stream(iter(dataset), row_item)]

    return score_dataset


def score_samples(model_dir: str | Path, ds: datasets.Dataset, indices: Sequence[int], scorer: Scorer | None = None) -> dict[str, list[Score]]:
    """PRM scores of the viewer's samples: sample_id -> one score (or None) per step."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputError(model_dir, "no such model directory", field="--prm")
    scorer = scorer or find_scorer()
    if scorer is None:
        where = ", ".join(f"{m}.{SCORER_FUNCTION}" for m in SCORER_MODULES)
        raise InputError(model_dir, f"--prm needs the PRM scoring API (issue 6), not found: none of {where}", field="--prm")
    rows = subset(ds, indices)
    scores = scorer(model_dir, rows)
    if len(scores) != len(rows):
        raise ValueError(f"{SCORER_FUNCTION} returned {len(scores)} score lists for {len(rows)} samples")
    return {sid: [None if x is None else float(x) for x in row] for sid, row in zip(rows["sample_id"], scores, strict=True)}


def disagreements(labels: Sequence[int], scores: Sequence[Score] | None) -> list[int]:
    """Steps whose label is +1 or -1 and whose PRM score has the other sign (0 counts as +);
    unscored steps never disagree."""
    if not scores:
        return []
    return [i for i, (lab, s) in enumerate(zip(labels, scores)) if s is not None and ((lab == 1 and s < 0) or (lab == -1 and s >= 0))]


def prm_first_error(scores: Sequence[Score] | None, labels: Sequence[int] = ()) -> int:
    """The first step the PRM scores below 0, skipping steps labeled 0 (comments: trained toward
    0 and never a first error) and unscored steps; -1 when none."""
    for i, s in enumerate(scores or ()):
        if s is not None and s < 0 and not (i < len(labels) and labels[i] == 0):
            return i
    return -1


# --- the whole report ---------------------------------------------------------------------------


@dataclass
class ReportResult:
    out: Path
    samples: int
    shown: int
    scored: int
    seconds: float
    bytes: int


def write_report(
    data: str | Path,
    out: str | Path,
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    seed: int = 0,
    prm: str | Path | None = None,
    prm_scores: Mapping[str, Sequence[Score]] | None = None,
    scorer: Scorer | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ReportResult:
    """Write the report of the labeled dataset ``data`` to ``out`` (one HTML file, written to a
    temp file beside it and renamed into place).

    ``prm`` is a model directory scored through ``find_scorer()`` (or ``scorer``);
    ``prm_scores`` gives scores directly, keyed by sample_id (the viewer shows the samples it has
    scores for beside their labels).
    """
    from prm_labeler import (
        report_html,  # matplotlib is imported there: an optional dependency
    )

    started = time.monotonic()
    out = Path(out)
    if out.is_dir():
        raise InputError(out, "is a directory; --out takes an .html file")
    if max_samples < 0:
        raise InputError(None, f"--max-samples must be >= 0, got {max_samples}", field="--max-samples")
    ds = load(data, allow_partial=True)
    finished = is_finished(data)
    stats = collect_stats(ds, batch_rows)
    indices = viewer_indices(len(ds), max_samples, seed)
    prm_name = None
    if prm is not None and prm_scores is None:
        prm_scores = score_samples(prm, ds, indices, scorer)
        prm_name = str(prm)
    elif prm_scores is not None:
        prm_name = str(prm) if prm is not None else "given scores"
    page = report_html.PageInfo(
        data=str(data),
        finished=finished,
        total=len(ds),
        shown=len(indices),
        seed=seed,
        max_samples=max_samples,
        prm_name=prm_name,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            report_html.write_page(f, page, stats, lambda: iter_viewer_rows(ds, indices), prm_scores)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    scored = sum(1 for _ in prm_scores) if prm_scores else 0
    return ReportResult(out, len(ds), len(indices), scored, time.monotonic() - started, out.stat().st_size)


__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "ReportResult",
    "ReportStats",
    "collect_stats",
    "disagreements",
    "find_scorer",
    "log2_bound",
    "prm_first_error",
    "score_samples",
    "viewer_indices",
    "write_report",
]

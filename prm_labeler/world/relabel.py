"""Score a labeled dataset of world samples against the ground truth; write a ground-truth copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_schemas.labels import FOUND_ERROR, SOLUTION
from prm_labeler.labels_rule import step_labels
from prm_labeler.problems import Problem
from prm_labeler.world.truth import Agreement, Truth, agreement, ground_truth
from sandbox import Sandbox


@dataclass
class Scored:
    truths: list[Truth]
    agreement: Agreement
    rows: list[dict[str, Any]]


def score_dataset(data: str | Path, problems: dict[str, Problem], workers: int | None = None) -> Scored:
    """Ground truth for every sample of a labeled dataset, and how its labels agree with it."""
    from prm_labeler.dataset import load

    rows = load(data).to_list()
    with Sandbox(workers=workers) as sandbox:
        truths = ground_truth(problems, [(r["problem_id"], r["solution"]) for r in rows], sandbox)
    for r, t in zip(rows, truths):
        if tuple(r["steps"]) != t.steps:  # both split the same text the same way
            raise RuntimeError(f"sample {r['sample_id']}: steps differ from the ground truth's split")
    got = [r["first_error_step"] for r in rows]
    return Scored(truths, agreement(got, truths, [r["finish_reason"] for r in rows]), rows)


def write_ground_truth_copy(scored: Scored, out: str | Path) -> int:
    """The same samples with ground-truth labels (the searched labels replaced): an oracle
    dataset for training a PRM on perfect labels. Returns the rows written."""
    from prm_labeler.dataset import LabeledDatasetWriter

    with LabeledDatasetWriter(out, resume=False) as writer:
        for row, t in zip(scored.rows, scored.truths):
            reason = SOLUTION if t.first_error_step < 0 else FOUND_ERROR
            after = row.get("after_error") or "negative"
            new = dict(row)
            new["finish_reason"] = reason
            new["first_error_step"] = t.first_error_step
            new["labels"] = step_labels(t.comments, reason, t.first_error_step, after)  # type: ignore[arg-type]
            writer.append(new)
        writer.finalize()
    return len(scored.rows)

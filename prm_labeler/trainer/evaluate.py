"""`prm-label evaluate`: score a labeled set and compute every metric of ``metrics``.

All samples are scored; step metrics and ProcessBench use the labeled ones (solution and
found_error); best-of-N and R^2 also count unsolvable samples as failed solutions (their tests
failed). "Passed" is ``finish_reason == "solution"``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from data_schemas.labels import FOUND_ERROR, SOLUTION
from prm_labeler.trainer import metrics
from prm_labeler.trainer.scoring import AGGREGATES, PRMScorer, ScoreItem, aggregates
from prm_labeler.trainer.tokenize import model_context


def row_item(row: Mapping[str, Any]) -> ScoreItem:
    return ScoreItem(model_context(row["prompt"], row["solution"], row["steps_offset"]), row["steps"])


def evaluate_rows(scorer: PRMScorer, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The metrics report of a PRM on labeled rows (see the module docstring)."""
    labels, step_scores, pb = [], [], []
    solution_level: dict[str, list[float | None]] = {name: [] for name in AGGREGATES}
    passed: list[float] = []
    groups: dict[str, dict[str, list[tuple[float | None, bool]]]] = {name: defaultdict(list) for name in AGGREGATES}
    n = 0
    for row, scores in scorer.score_stream(rows, row_item):
        n += 1
        reason = row["finish_reason"]
        ok = reason == SOLUTION
        if reason in (SOLUTION, FOUND_ERROR) and row["labels"]:
            labels.append(list(row["labels"]))
            step_scores.append(scores)
            pb.append((row["first_error_step"] if reason == FOUND_ERROR else -1, scores))
        agg = aggregates(scores)
        passed.append(float(ok))
        for name in AGGREGATES:
            solution_level[name].append(agg[name])
            groups[name][row["problem_id"]].append((agg[name], ok))
    bon = {name: metrics.best_of_n(groups[name]) for name in AGGREGATES}
    first = bon[AGGREGATES[0]]
    return {
        "samples": n,
        "passed": int(sum(passed)),
        "step": metrics.step_metrics(labels, step_scores),
        "processbench": metrics.processbench(pb),
        "best_of_n": {
            "problems": first["problems"],
            "random": first["random"],
            "oracle": first["oracle"],
            "prm": {name: bon[name]["prm"] for name in AGGREGATES},
        },
        "r2": {name: metrics.r_squared(solution_level[name], passed) for name in AGGREGATES},
    }


def render_table(report: Mapping[str, Any]) -> str:
    """The report as a markdown table (what `prm-label evaluate` prints)."""
    step, pb, bon = report["step"], report["processbench"], report["best_of_n"]
    rows = [
        ("step MSE", step["mse"], f"{step['steps']} labeled steps"),
        ("step sign accuracy", step["sign_accuracy"], f"{step['wrong_steps'] + step['right_steps']} non-comment steps"),
        ("AUROC, step is wrong", step["auroc_wrong"], f"{step['wrong_steps']} wrong / {step['right_steps']} right"),
        ("first-error accuracy, erroneous", pb["acc_erroneous"], f"{pb['erroneous']} samples"),
        ("first-error accuracy, correct", pb["acc_correct"], f"{pb['correct']} samples"),
        ("first-error F1 (ProcessBench)", pb["f1"], ""),
        ("best-of-N, random pick", bon["random"], f"{bon['problems']} problems with >= 2 samples"),
        ("best-of-N, oracle", bon["oracle"], ""),
    ]
    rows += [(f"best-of-N, PRM pick ({name})", bon["prm"][name], "") for name in AGGREGATES]
    rows += [(f"R² score vs test result ({name})", report["r2"][name], f"{report['samples']} samples, {report['passed']} passed" if i == 0 else "")
             for i, name in enumerate(AGGREGATES)]
    base = report.get("likelihood_baseline")
    if base:  # the policy's own probabilities stand in for a PRM
        fit = base["fit"]
        note = f"fit for F1 {fit['f1']:.3f} on {fit['samples']} samples of {fit['data']}" if fit else "given"
        rows.insert(0, ("likelihood baseline: threshold probability", base["threshold"], note))
    lines = ["| metric | value | over |", "|---|---:|---|"]
    lines += [f"| {name} | {_fmt(value)} | {note} |" for name, value, note in rows]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"

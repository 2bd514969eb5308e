"""`prm-label world ...`: the tiny world that runs on a laptop CPU.

Generated problems with per-line ground truth and a small trained policy shipped with the
package, so the whole pipeline (collect, train, evaluate) produces meaningful labels on a CPU in
minutes, and label quality can be measured exactly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import fail_on_input_errors
from prm_labeler.errors import InputError

app = typer.Typer(help="The tiny world: generated problems with ground truth, a shipped tiny policy.", no_args_is_help=True)


@app.command("problems")
@fail_on_input_errors
def problems_cmd(
    out: Annotated[Path, typer.Option(help="JSONL file to write (prm-label's own problem format, --format jsonl).")],
    n: Annotated[int, typer.Option(help="Number of problems.")] = 100,
    seed: Annotated[int, typer.Option(help="Problem seed: same seed, same problems (ids world/SEED/i). The shipped policy never trained on seeds below 1,000,000.")] = 1,
) -> None:
    """Generate world problems: pipelines of 2-14 operations, one line each, with assert tests."""
    from prm_labeler.world.generator import write_problems
    from prm_labeler.world.policy import TRAIN_SEED_BASE

    if n < 1:
        raise InputError(None, f"--n {n}: need at least 1", field="--n")
    if seed >= TRAIN_SEED_BASE - 100:
        raise InputError(None, f"--seed {seed}: seeds from {TRAIN_SEED_BASE - 100} on are the policy's training problems", field="--seed")
    count = write_problems(str(out), n, seed)
    typer.echo(f"wrote {count} problems to {out}", err=True)


@app.command("policy")
def policy_cmd() -> None:
    """Print the directory of the shipped tiny policy (a Hugging Face model directory)."""
    from prm_labeler.world import shipped_policy

    typer.echo(str(shipped_policy()))


@app.command("train-policy")
@fail_on_input_errors
def train_policy_cmd(
    out: Annotated[Path, typer.Option(help="Output model directory.")],
    seed: Annotated[int, typer.Option(help="Training seed (problems, initialisation, batches).")] = 0,
    steps: Annotated[int, typer.Option(help="Optimizer steps of 32 solutions.")] = 4000,
    threads: Annotated[int, typer.Option(help="torch CPU threads (1 is fastest when the cores are shared).")] = 1,
) -> None:
    """Retrain the tiny policy from scratch on the CPU (the shipped one came from the defaults)."""
    from prm_labeler.world.policy import PolicyConfig, train_policy

    if steps < 1:
        raise InputError(None, f"--steps {steps}: need at least 1", field="--steps")
    record = train_policy(out, PolicyConfig(seed=seed, steps=steps, threads=threads))
    typer.echo(f"trained {record['parameters'] / 1e6:.2f}M parameters in {record['seconds']:.0f} s: {out}", err=True)


@app.command("truth")
@fail_on_input_errors
def truth_cmd(
    problems: Annotated[Path, typer.Option(help="The world problems the dataset was collected on.")],
    data: Annotated[Path, typer.Option(help="Labeled dataset directory (from collect).")],
    out: Annotated[Path | None, typer.Option(help="Write a copy of the dataset with ground-truth labels here (an oracle dataset for training).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the agreement as JSON.")] = False,
    workers: Annotated[int | None, typer.Option(help="Sandbox judge processes (default: cores).")] = None,
) -> None:
    """Compare a dataset's first-error labels with the world's ground truth, sample by sample."""
    from prm_labeler.problems import load_problem_map
    from prm_labeler.world.relabel import score_dataset, write_ground_truth_copy
    from prm_labeler.world.truth import world_meta

    problem_map = load_problem_map(str(problems), "jsonl")
    for p in problem_map.values():
        world_meta(p, problems)
    scored = score_dataset(data, problem_map, workers)
    a = scored.agreement.as_dict()
    if as_json:
        typer.echo(json.dumps(a, indent=2))
    else:
        typer.echo(_table(a))
    if out is not None:
        n = write_ground_truth_copy(scored, out)
        typer.echo(f"wrote {n} samples with ground-truth labels to {out}", err=True)


def _table(a: dict) -> str:
    pct = lambda x: "-" if x is None else f"{100 * x:.1f}%"
    rows = [
        ("samples", a["samples"]),
        ("failing (truth)", a["failing"]),
        ("unsolvable (no labels)", a["unsolvable"]),
        ("first error exact", f"{a['exact']} ({pct(a['exact_rate'])} of all, {pct(a['exact_rate_labeled'])} of the labeled)"),
        ("  among failing", f"{a['exact_failing']} ({pct(a['exact_rate_failing'])} of all, {pct(a['exact_rate_labeled_failing'])} of the labeled)"),
        ("labeled too early", a["too_early"]),
        ("labeled too late / missed", a["too_late"]),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="world")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

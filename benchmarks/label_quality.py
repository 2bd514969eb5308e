#!/usr/bin/env python
"""Label quality in the tiny world: searched first-error labels and the PRM, against ground truth.

A real language model in the loop: the shipped tiny policy (``prm-label world policy``) samples
K solutions per world problem at temperature 1 (once; every strategy labels the same solutions),
and completes the prefixes the search probes. The world knows each sample's true first error
(``prm_labeler.world.truth``), so the labels are scored exactly.

Part 1, labels: ``collect`` over the same samples with
- binary+confirm  the paper's binary search, the first error's prefix re-probed with N more draws
- binary          the same without confirmation (``--confirm 0``)
- linear          every prefix probed (``--strategy linear``), the baseline
"exact" = first_error_step equal to the truth (a passing sample: both -1; "unsolvable" counts
wrong); "calls" = completer calls (probes, each N completions) per sample and per failing sample.

Part 2, the PRM: the tiny policy as backbone (critic initialisation, as in the paper), trained
with ``prm-label train`` on (a) the binary+confirm labels, (b) ground-truth labels of the same
samples, each with both heads (``--head value``: a new one-output token head; ``--head
likelihood``: the LM's own token probabilities, no new head); against (c) the untrained baseline
``prm-label evaluate --likelihood`` (the policy's own token probabilities, threshold fit on the
binary+confirm labels); all evaluated on held-out problems (unseen seed) whose samples carry
ground-truth labels: ProcessBench first-error F1 and step AUROC.

    .venv/bin/python benchmarks/label_quality.py                 # ~8 min on 2 idle cores
    .venv/bin/python benchmarks/label_quality.py --problems 30 --heldout 20 --skip-prm  # quicker
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from prm_labeler.collect import sample_policy
from prm_labeler.collect_job import CollectSettings, run_collect
from prm_labeler.completers import make_completer
from prm_labeler.completers.base import CompleterConfig
from prm_labeler.problems import load_problem_map
from prm_labeler.search import SearchConfig
from prm_labeler.world import shipped_policy
from prm_labeler.world.generator import write_problems
from prm_labeler.world.relabel import score_dataset, write_ground_truth_copy


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sample_file(policy: str, problems_path: Path, k: int, cfg: CompleterConfig, out: Path) -> int:
    problems = load_problem_map(str(problems_path), "jsonl")
    with make_completer(replace(cfg, model=policy)) as completer:
        samples = list(sample_policy(completer, list(problems.values()), policy, k, cfg.seed))
    out.write_text("".join(json.dumps({"problem_id": s.problem_id, "solution": s.solution}) + "\n" for s in samples))
    return len(samples)


def collect(name: str, problems: Path, samples: Path, out: Path, policy: str, cfg: CompleterConfig, search: SearchConfig, workers: int) -> dict:
    settings = CollectSettings(problems=str(problems), out=str(out), format="jsonl", samples=str(samples),
                               completer=replace(cfg, model=policy), completer_model=policy, search=search,
                               workers=workers, resume=False)
    t = time.monotonic()
    stats = run_collect(settings)[0]
    seconds = time.monotonic() - t
    scored = score_dataset(out, load_problem_map(str(problems), "jsonl"), workers)
    a = scored.agreement
    d = a.as_dict()
    log(f"{name}: {d}")
    return {
        "strategy": name, "samples": stats.samples, "failing": a.failing,
        "exact": a.exact / a.samples, "exact_failing": a.exact_failing / a.failing if a.failing else None,
        "exact_labeled": d["exact_rate_labeled"], "exact_labeled_failing": d["exact_rate_labeled_failing"],
        "too_early": a.too_early, "too_late": a.too_late, "unsolvable": a.unsolvable,
        "calls_per_sample": stats.completer_calls / stats.samples,
        "calls_per_failing": stats.completer_calls / max(1, stats.failing),
        "completions_per_sample": stats.completions / stats.samples,
        "sandbox_runs": stats.sandbox_runs, "seconds": seconds, "_scored": scored,
    }


def train_and_eval(name: str, head: str, data: Path, heldout: Path, policy: str, out: Path, args: argparse.Namespace) -> dict:
    from prm_labeler.trainer.config import PRMTrainConfig
    from prm_labeler.trainer.score_job import evaluate_dir
    from prm_labeler.trainer.scoring import quiet_transformers
    from prm_labeler.trainer.train import train

    quiet_transformers()
    if head == "likelihood":  # fine-tuning the LM itself: a small learning rate, the linear default schedule
        optim = dict(epochs=args.likelihood_epochs, learning_rate=args.likelihood_lr, batch_size=8)
    else:  # a fresh head: a large learning rate, warmup, cosine
        optim = dict(epochs=args.prm_epochs, learning_rate=args.prm_lr, batch_size=16, warmup_ratio=0.05, lr_scheduler="cosine")
    cfg = PRMTrainConfig(data=str(data), model=policy, out=str(out), head=head, eval_fraction=0.0, save_steps=0,
                         logging_steps=50, seed=0, torch_threads=2, **optim)
    t = time.monotonic()
    train(cfg, log=lambda m: None)
    seconds = time.monotonic() - t
    return prm_row(name, evaluate_dir(out, heldout, torch_threads=2), seconds)


def prm_row(name: str, report: dict, train_seconds: float) -> dict:
    """One row of the PRM table from an evaluate report."""
    pb, step = report["processbench"], report["step"]
    return {"prm": name, "f1": pb["f1"], "acc_erroneous": pb["acc_erroneous"], "acc_correct": pb["acc_correct"],
            "auroc": step["auroc_wrong"], "sign_accuracy": step["sign_accuracy"], "train_seconds": train_seconds,
            "heldout_samples": report["samples"]}


def likelihood_eval(policy: str, fit: Path, heldout: Path) -> dict:
    """The baseline a PRM should beat: the policy's own token probabilities, threshold fit on the training side."""
    from prm_labeler.trainer.score_job import evaluate_dir

    report = evaluate_dir(Path(policy), heldout, likelihood=True, fit_data=fit, torch_threads=2)
    return {**prm_row("untrained likelihood", report, 0.0), "threshold": report["likelihood_baseline"]["threshold"]}


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:5.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default=str(shipped_policy()))
    ap.add_argument("--problems", type=int, default=100, help="training-side world problems (seed 1)")
    ap.add_argument("--heldout", type=int, default=60, help="held-out world problems (seed 2)")
    ap.add_argument("--samples-per-problem", type=int, default=4)
    ap.add_argument("--n", type=int, default=16, help="completions per probe (collect's default)")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--backend", default="transformers", choices=["transformers", "vllm"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--prm-epochs", type=float, default=8.0)
    ap.add_argument("--prm-lr", type=float, default=1e-3)
    ap.add_argument("--likelihood-epochs", type=float, default=3.0)
    ap.add_argument("--likelihood-lr", type=float, default=5e-5)
    ap.add_argument("--skip-prm", action="store_true")
    ap.add_argument("--work", type=Path, default=None, help="keep the datasets here (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="label-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    cfg = CompleterConfig(backend=args.backend, model=args.policy, n=args.n, temperature=args.temperature, top_p=1.0,
                          max_tokens=256, seed=0, dtype="float32", max_model_len=1024)
    train_p, held_p = work / "problems.jsonl", work / "heldout.jsonl"
    write_problems(str(train_p), args.problems, seed=1)
    write_problems(str(held_p), args.heldout, seed=2)
    t0 = time.monotonic()
    n_samples = sample_file(args.policy, train_p, args.samples_per_problem, cfg, work / "samples.jsonl")
    log(f"sampled {n_samples} solutions in {time.monotonic() - t0:.0f} s")

    strategies = [
        ("binary+confirm", SearchConfig(strategy="binary", n=args.n, confirm=args.n)),
        ("binary", SearchConfig(strategy="binary", n=args.n, confirm=0)),
        ("linear", SearchConfig(strategy="linear", n=args.n, confirm=0)),
    ]
    rows = [collect(name, train_p, work / "samples.jsonl", work / f"labels-{name}", args.policy, cfg, search, args.workers)
            for name, search in strategies]
    linear = rows[-1]
    print(f"\nLabel quality: {rows[0]['samples']} samples of the tiny policy on {args.problems} world problems "
          f"({rows[0]['failing']} failing), N={args.n}, T={args.temperature}, backend {args.backend}")
    print("exact: first_error_step equal to the truth, over all samples (unsolvable counts wrong) and over the labeled"
          " ones (not unsolvable); calls: completer calls (probes of N completions) per sample")
    print(f"{'strategy':<16}{'unsolv':>7}{'exact':>8}{'|labeled':>10}{'|lab. fail':>12}{'early':>7}{'late':>6}"
          f"{'calls/sample':>14}{'calls/failing':>15}{'linear/this':>13}{'wall s':>8}")
    for r in rows:
        ratio = linear["calls_per_sample"] / r["calls_per_sample"]
        print(f"{r['strategy']:<16}{r['unsolvable']:>7}{pct(r['exact']):>8}{pct(r['exact_labeled']):>10}{pct(r['exact_labeled_failing']):>12}"
              f"{r['too_early']:>7}{r['too_late']:>6}{r['calls_per_sample']:>14.2f}{r['calls_per_failing']:>15.2f}{ratio:>12.2f}x{r['seconds']:>8.0f}")

    prm_rows = []
    if not args.skip_prm:
        # ground-truth copy of the training samples; held-out samples with ground-truth labels
        write_ground_truth_copy(rows[0]["_scored"], work / "truth-train")
        sample_file(args.policy, held_p, args.samples_per_problem, cfg, work / "heldout-samples.jsonl")
        held = collect("heldout", held_p, work / "heldout-samples.jsonl", work / "heldout-labels", args.policy, cfg,
                       strategies[0][1], args.workers)
        write_ground_truth_copy(held["_scored"], work / "truth-heldout")
        for head in ("value", "likelihood"):
            for labels, data in (("searched", work / f"labels-{strategies[0][0]}"), ("truth", work / "truth-train")):
                prm_rows.append(train_and_eval(f"{head} / {labels}", head, data, work / "truth-heldout", args.policy,
                                               work / f"prm-{head}-{labels}", args))
                log(f"PRM {prm_rows[-1]['prm']}: {prm_rows[-1]}")
        prm_rows.append(likelihood_eval(args.policy, work / f"labels-{strategies[0][0]}", work / "truth-heldout"))
        log(f"baseline: {prm_rows[-1]}")
        print(f"\nPRM (backbone: the tiny policy), trained on {args.problems} problems' samples, "
              f"evaluated on {prm_rows[0]['heldout_samples']} samples of {args.heldout} held-out problems (ground-truth labels)")
        print(f"{'head / labels':<22}{'F1':>7}{'acc err':>9}{'acc cor':>9}{'AUROC':>8}{'sign acc':>10}{'train s':>9}")
        for r in prm_rows:
            print(f"{r['prm']:<22}{r['f1']:>7.3f}{pct(r['acc_erroneous']):>9}{pct(r['acc_correct']):>9}{r['auroc']:>8.3f}"
                  f"{pct(r['sign_accuracy']):>10}{r['train_seconds']:>9.0f}")
        for i, head in ((0, "value"), (2, "likelihood")):
            searched, truth = prm_rows[i]["f1"], prm_rows[i + 1]["f1"]
            print(f"{head} head: searched-label F1 / ground-truth F1 = {searched / truth if truth else float('nan'):.2f}")
        print(f"untrained likelihood: the policy itself; a prefix is wrong when the policy gave one of its tokens probability"
              f" < {prm_rows[-1]['threshold']:.2f} (threshold fit for F1 on the searched labels; `prm-label evaluate --likelihood`)")
    if args.json:
        clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
        args.json.write_text(json.dumps({"labels": clean, "prm": prm_rows, "args": {k: str(v) for k, v in vars(args).items()}}, indent=2))
    log(f"datasets in {work}")


if __name__ == "__main__":
    main()

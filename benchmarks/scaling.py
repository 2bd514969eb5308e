#!/usr/bin/env python
"""Scaling: labeled samples per minute of `prm-label collect` with the local executor (one
process) and the Ray executor with 1 and 2 workers, on the same work, in one run.

Workloads (both through ``collect_job.run_collect``, the code behind ``prm-label collect``):

- ``tiny-model``: ``--problems`` HumanEval problems (16), ``--samples-per-problem`` (4) solutions
  sampled from the tiny local model (``prm_labeler.tiny_model``, a random ~1M-parameter Qwen2) on
  the transformers backend on this CPU, N = ``--n`` (4) completions of ``--max-tokens`` (64)
  tokens per probe. The random model never passes a test, so every sample is ``unsolvable`` after
  the probe of the empty prefix and its confirmation: the work is completer-bound (policy sampling
  plus 2 probes per problem) with one sandbox run per completion.
- ``simulated``: ``--mbpp`` (40) sanitized-MBPP reference solutions plus an injected-bug variant
  of each, the simulated ``reference`` completer (p = 0.2, N = 8): real binary searches whose
  cost is the sandbox (every failing probe runs N programs).

Configurations: ``local`` (the completer engine and a 2-judge sandbox pool in this process);
``ray xW`` for W = 1, 2: a local Ray (``num_cpus`` = the cores) with W completer actors and W
sandbox actors of 2/W judges each, so the sandbox has 2 judges in every configuration. Every
engine (this process's, each actor's) runs ``--torch-threads`` (1) torch threads: "W workers" is
W engines of one thread each (two threads per engine are much slower than one on a shared
2-core machine; see the trainer benchmark). Each run
labels into a fresh directory; rounds alternate the order of the configurations; the median
round is shown. "startup" is the time to build the engines (the model load in this process, or
starting the actors, which load the model in parallel); "labeling" is the rest (policy sampling,
search, writing). samples/min counts labeled samples per minute of labeling and, in brackets, of
the whole run. Every configuration must produce the same rows (cost_seconds aside) as the local
run of the same round, else the script exits 1.
Output: markdown tables on stdout; progress on stderr.

    .venv/bin/python benchmarks/scaling.py
    .venv/bin/python benchmarks/scaling.py --rounds 1 --problems 8 --mbpp 20     # quick look
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("PRM_LABEL_SHARED_DATA", REPO.parent / "shared" / "data"))

from prm_labeler import collect_job
from prm_labeler.collect_job import CollectSettings, run_collect
from prm_labeler.completers.base import CompleterConfig
from prm_labeler.ray_executor import RaySettings
from prm_labeler.search import SearchConfig


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Run:
    startup: float
    total: float
    samples: int
    rows: dict

    @property
    def labeling(self) -> float:
        return self.total - self.startup


_ENGINE_READY: list[float] = []
_real_engines = collect_job._engines


def _timed_engines(*args, **kwargs):
    """collect_job._engines, noting when the engines are ready (the end of startup)."""
    cm = _real_engines(*args, **kwargs)

    class Timed:
        def __enter__(self):
            value = cm.__enter__()
            _ENGINE_READY.append(time.monotonic())
            return value

        def __exit__(self, *exc):
            return cm.__exit__(*exc)

    return Timed()


collect_job._engines = _timed_engines


def rows_of(out: Path) -> dict:
    import datasets

    rows = datasets.load_from_disk(str(out)).to_list()
    for r in rows:
        r.pop("cost_seconds")
    return {r["sample_id"]: r for r in rows}


def run_once(settings: CollectSettings) -> Run:
    _ENGINE_READY.clear()
    t0 = time.monotonic()
    [stats] = run_collect(settings)
    total = time.monotonic() - t0
    return Run(_ENGINE_READY[0] - t0, total, stats.samples, rows_of(Path(settings.out)))


def configurations(threads: int) -> list[tuple[str, dict]]:
    out = [("local", {"executor": "local", "workers": 2})]
    for w in (1, 2):
        rs = RaySettings(num_gpu_workers=w, sandbox_workers=w, judges_per_worker=max(1, 2 // w), torch_threads=threads)
        out.append((f"ray x{w}", {"executor": "ray", "ray": rs}))
    return out


def workloads(args: argparse.Namespace, tmp: Path) -> list[tuple[str, CollectSettings, str]]:
    out = []
    if args.problems:
        model = args.model
        if model is None:
            from prm_labeler.tiny_model import build_tiny_model

            model = str(build_tiny_model(tmp / "tiny-model"))
        with gzip.open(DATA / "HumanEval.jsonl.gz", "rt") as f:
            rows = [json.loads(line) for line in f][: args.problems]
        problems = tmp / "humaneval.jsonl"
        problems.write_text("".join(json.dumps(r) + "\n" for r in rows))
        settings = CollectSettings(
            problems=str(problems), out="", checkpoints=(model,),
            completer=CompleterConfig(backend="transformers", n=args.n, max_tokens=args.max_tokens, temperature=1.0, seed=1),
            search=SearchConfig(n=args.n, confirm=args.n, seed=1), samples_per_problem=args.samples_per_problem,
            timeout=5.0, flush_seconds=-1,
        )
        what = (f"{args.problems} HumanEval problems x {args.samples_per_problem} samples from the tiny model "
                f"(transformers, CPU), N = {args.n}, {args.max_tokens} tokens")
        out.append(("tiny-model", settings, what))
    if args.mbpp:
        samples = tmp / "mbpp-samples.jsonl"
        subprocess.run([sys.executable, "-m", "prm_labeler.bugs", "--problems", str(DATA / "sanitized-mbpp.json"), "--out",
                        str(samples), "--limit", str(args.mbpp)], check=True, cwd=REPO, capture_output=True)
        settings = CollectSettings(
            problems=str(DATA / "sanitized-mbpp.json"), out="", samples=str(samples),
            completer=CompleterConfig(backend="reference", n=8, seed=1), search=SearchConfig(n=8, confirm=8, seed=1),
            reference_p=0.2, timeout=5.0, flush_seconds=-1,
        )
        what = (f"{args.mbpp} sanitized-MBPP references + {args.mbpp} injected-bug variants, "
                "simulated completer (p = 0.2), N = 8, real sandbox")
        out.append(("simulated", settings, what))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=16, help="HumanEval problems for the tiny-model workload (0: skip it)")
    ap.add_argument("--samples-per-problem", type=int, default=4)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--model", default=None, help="model directory (default: build the tiny model)")
    ap.add_argument("--mbpp", type=int, default=40, help="sanitized-MBPP problems for the simulated workload (0: skip it)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--torch-threads", type=int, default=1, help="torch threads per engine (this process's, each actor's)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.torch_threads)

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    cores = os.cpu_count() or 1
    load0 = os.getloadavg()
    t = time.monotonic()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    ray_init = time.monotonic() - t
    tmp = Path(tempfile.mkdtemp(prefix="prm-scaling-"))
    failed = False
    try:
        tables = []
        for name, base, what in workloads(args, tmp):
            configs = configurations(args.torch_threads)
            runs: dict[str, list[Run]] = {c: [] for c, _ in configs}
            for r in range(args.rounds):
                order = configs if r % 2 == 0 else configs[::-1]
                reference_rows = None
                for label, kw in order:
                    out = tmp / f"{name}-{label.replace(' ', '')}-{r}"
                    log(f"{name}: round {r + 1}/{args.rounds}: {label} ...")
                    run = run_once(replace(base, out=str(out), **kw))
                    shutil.rmtree(out)
                    log(f"  {run.samples} samples, startup {run.startup:.1f} s, labeling {run.labeling:.1f} s")
                    runs[label].append(run)
                    if reference_rows is None:
                        reference_rows = run.rows
                    elif run.rows != reference_rows:
                        log(f"  DIFFERENT ROWS from the first configuration of round {r + 1}")
                        failed = True
            tables.append(table(name, what, runs, args.rounds))
        load1 = os.getloadavg()
        print(f"Scaling of `prm-label collect`, local executor vs Ray executor with 1 and 2 workers; {args.rounds} round(s), median shown.")
        print(f"Python {platform.python_version()}, {platform.machine()}, {cores} cores, no GPU; ray {ray.__version__}; "
              f"{args.torch_threads} torch thread(s) per engine (ray.init {ray_init:.1f} s, not counted); load average at start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, "
              f"at end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f}.")
        print(f"Same rows in every configuration: {'NO' if failed else 'yes'}.")
        for t_ in tables:
            print()
            print(t_)
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


def table(name: str, what: str, runs: dict[str, list], rounds: int) -> str:
    med = {c: (statistics.median(r.startup for r in rs), statistics.median(r.labeling for r in rs),
               statistics.median(r.total for r in rs), rs[0].samples) for c, rs in runs.items()}
    base_lab = med["local"][1]
    lines = [f"{name}: {what}", "",
             "| executor | completer actors | sandbox actors x judges | samples | startup s | labeling s | samples/min labeling (whole run) | labeling time vs local | speed-up vs ray x1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c, (st, lab, tot, n) in med.items():
        actors = {"local": ("in-process", "1 x 2 (in-process)"), "ray x1": ("1", "1 x 2"), "ray x2": ("2", "2 x 1")}[c]
        vs_ray1 = f"{med['ray x1'][1] / lab:.2f}x" if c != "local" else "–"
        lines.append(f"| {c} | {actors[0]} | {actors[1]} | {n} | {st:.1f} | {lab:.1f} | {60 * n / lab:.0f} ({60 * n / tot:.0f}) "
                     f"| {lab / base_lab:.2f}x | {vs_ray1} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

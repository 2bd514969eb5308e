"""One `prm-label collect` job: load, sample or read solutions, label, write, summarise.

Several policy checkpoints run one after another, each in its own process (vLLM frees GPU memory
only with its process), all writing to one dataset with the checkpoint in every row.

Sharding (``--shard I/N``): problem ``p`` belongs to shard ``sha256(p.problem_id) mod N`` (a stable
hash, not Python's salted ``hash``), for every checkpoint, so N independent jobs (a SLURM array, a
Kubernetes indexed Job) each label a disjoint part into their own ``--out``; ``prm-label merge``
combines them. Rerunning a shard with the same ``--out`` resumes it.

Signals: the first SIGINT/SIGTERM lets the in-flight round finish, commits the problems that are
wholly labeled, discards the rest (relabeled identically on resume) and returns with
``RunStats.interrupted`` set; a second one (a second later or more) aborts at once.

Executors: ``local`` (one process: the completer engine and a sandbox pool on this machine) or
``ray`` (``prm_labeler.ray_executor``: completer and sandbox actors on a Ray cluster, the driver,
its search and its one writer here; checkpoints run one after another, each on fresh actors).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Self

from prm_labeler.arrow_files import atomic_write_text
from prm_labeler.collect import (
    Collector,
    PolicySample,
    RunStats,
    provenance,
    sample_policy,
)
from prm_labeler.completers import Completer, make_completer
from prm_labeler.completers.base import CompleterConfig
from prm_labeler.dataset import LabeledDatasetWriter
from prm_labeler.errors import InputError
from prm_labeler.problems import Problem, load_problem_map
from prm_labeler.ray_executor import RaySettings
from prm_labeler.search import SearchConfig
from prm_labeler.solutions import iter_solutions
from prm_labeler.timeouts import adaptive_timeouts
from sandbox import Sandbox

SUMMARY = "collect_summary.json"
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class CollectSettings:
    problems: str
    out: str
    format: str = "auto"
    checkpoints: tuple[str, ...] = ()
    samples: str | None = None
    completer: CompleterConfig = field(default_factory=CompleterConfig)
    completer_model: str | None = None  # None: each checkpoint completes its own prefixes
    search: SearchConfig = field(default_factory=SearchConfig)
    samples_per_problem: int = 4
    timeout: float | None = None
    workers: int | None = None
    resume: bool = True
    max_open: int = 256
    reference_p: float = 0.5  # the simulated "reference" backend's success probability
    shard: tuple[int, int] | None = None  # (index, count): label only this shard's problems
    flush_seconds: float = 30.0  # commit finished problems at the end of a round this often
    executor: str = "local"  # local | ray
    ray: RaySettings | None = None  # --executor ray: the cluster and its actors


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N) with 0 <= I < N."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise InputError(None, f"--shard {text!r}: expected I/N, e.g. 0/8", field="--shard") from None
    if n < 1 or not 0 <= i < n:
        raise InputError(None, f"--shard {text!r}: need 0 <= I < N", field="--shard")
    return i, n


def shard_of(problem_id: str, count: int) -> int:
    """The shard a problem belongs to: stable across runs, machines and Python versions."""
    return int.from_bytes(hashlib.sha256(problem_id.encode()).digest()[:8], "big") % count


def shard_text(shard: tuple[int, int] | None) -> str | None:
    return None if shard is None else f"{shard[0]}/{shard[1]}"


class StopSignals:
    """SIGINT/SIGTERM -> a stop request checked between rounds; a second signal aborts."""

    def __init__(self, forward_to_children: bool = False) -> None:
        self.signal: str | None = None
        self._at = 0.0
        self._old: dict[int, Any] = {}
        self._forward = forward_to_children

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def __call__(self) -> str | None:
        return self.signal

    def _handle(self, signum: int, frame: object) -> None:
        if self._forward:  # several checkpoints: the labeling runs in a child process
            for child in multiprocessing.active_children():
                if child.pid:
                    os.kill(child.pid, signum)
        if self.signal is None:
            self.signal, self._at = signal.Signals(signum).name, time.monotonic()
            print(f"\n{self.signal}: finishing the current round, then saving (send it again to abort)", file=sys.stderr)
        elif time.monotonic() - self._at > 1.0 and not self._forward:  # a terminal's ^C also reaches children
            raise KeyboardInterrupt


def run_collect(settings: CollectSettings, on_progress: Callable[[RunStats], None] = lambda s: None) -> list[RunStats]:
    """Run the job; several checkpoints each in their own (spawned) process, sequentially."""
    if settings.samples is None and not settings.checkpoints:
        raise InputError(None, "give --checkpoint MODEL (one or more) or --samples FILE", field="--checkpoint/--samples")
    if settings.samples is not None and settings.checkpoints:
        raise InputError(None, "give --checkpoint or --samples, not both", field="--checkpoint/--samples")
    if settings.executor not in EXECUTORS:
        raise InputError(None, f"unknown executor {settings.executor!r} ({'|'.join(EXECUTORS)})", field="--executor")
    if settings.executor == "ray":
        return _run_on_ray(settings, on_progress)
    if len(settings.checkpoints) > 1:
        runs: list[RunStats] = []
        with StopSignals(forward_to_children=True) as stop:
            for ck in settings.checkpoints:
                if stop():
                    break
                runs.append(_in_own_process(replace(settings, checkpoints=(ck,))))
                if runs[-1].interrupted:
                    break
        return runs
    return [_collect_one(settings, on_progress)]


def _run_on_ray(settings: CollectSettings, on_progress: Callable[[RunStats], None]) -> list[RunStats]:
    """The checkpoints one after another in this process (the engines live in Ray actors, which
    are killed between checkpoints), on one Ray session."""
    from prm_labeler.ray_executor import RaySession

    rs = settings.ray or RaySettings()
    rs.check()
    runs: list[RunStats] = []
    with RaySession(rs) as session, StopSignals() as stop:
        for ck in settings.checkpoints or (None,):
            if stop() or (runs and runs[-1].interrupted):
                break
            one = replace(settings, ray=rs, checkpoints=(ck,)) if ck is not None else replace(settings, ray=rs)
            runs.append(_collect_one_inner(one, on_progress, stop, session))
    return runs


def _in_own_process(settings: CollectSettings) -> RunStats:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_collect_one, (settings,))


def _collect_one(settings: CollectSettings, on_progress: Callable[[RunStats], None] = lambda s: None) -> RunStats:
    with StopSignals() as stop:
        return _collect_one_inner(settings, on_progress, stop)


def _collect_one_inner(settings: CollectSettings, on_progress: Callable[[RunStats], None], stop: StopSignals, session: Any = None) -> RunStats:
    problems = load_problem_map(settings.problems, settings.format)
    samples = _read_samples(settings, problems) if settings.samples else None  # validate before work
    if settings.shard is not None:
        index, count = settings.shard
        problems = {pid: p for pid, p in problems.items() if shard_of(pid, count) == index}
        samples = None if samples is None else [s for s in samples if s.problem_id in problems]
    _check_same_shard(Path(settings.out), settings)
    with LabeledDatasetWriter(settings.out, resume=settings.resume) as writer:
        with _engines(settings, problems, session) as (completer, sandbox, executor_stats):
            timeouts = _timeouts(settings, sandbox, problems)
            skipped = 0
            if samples is None:  # sample the policy, for problems not fully labeled yet
                checkpoint, k = settings.checkpoints[0], settings.samples_per_problem
                done = lambda p: all(writer.is_done(PolicySample(p.problem_id, checkpoint, i, "").key) for i in range(k))  # noqa: E731
                todo = [p for p in problems.values() if not done(p)]
                skipped = (len(problems) - len(todo)) * k
                samples = list(sample_policy(completer, todo, checkpoint, k, settings.search.seed))
            name = settings.completer_model or (settings.checkpoints[0] if settings.checkpoints else settings.completer.model) or settings.completer.backend
            collector = Collector(
                problems, completer, sandbox, writer, settings.search, timeouts,
                provenance(settings.completer, settings.search, name), settings.max_open, on_progress,
                flush_seconds=settings.flush_seconds, should_stop=stop,
            )
            stats = collector.run(samples)
            stats.skipped_done += skipped
            stats_dict = stats.as_dict()
            stats_dict["isolation"] = sandbox.isolation
            stats_dict["shard"] = shard_text(settings.shard)
            stats_dict.update(executor_stats())
        if not stats.interrupted:
            writer.finalize()
    _save_summary(Path(settings.out), settings, stats_dict)
    return stats


def _read_samples(settings: CollectSettings, problems: dict[str, Problem]) -> list[PolicySample]:
    source = "samples:" + Path(settings.samples).name  # type: ignore[arg-type]
    count: dict[str, int] = {}
    out = []
    for rec in iter_solutions(settings.samples, problems):  # type: ignore[arg-type]
        i = count.get(rec.problem_id, 0)
        count[rec.problem_id] = i + 1
        out.append(PolicySample(rec.problem_id, source, i, rec.solution))
    order = {pid: i for i, pid in enumerate(problems)}
    out.sort(key=lambda s: order[s.problem_id])  # samples of a problem together (they share probes)
    return out


@contextmanager
def _engines(settings: CollectSettings, problems: dict[str, Problem], session: Any = None) -> Iterator[tuple[Any, Any, Callable[[], dict[str, Any]]]]:
    """(completer, sandbox, executor statistics) for one checkpoint: in this process, or Ray
    actors behind the same two methods (``complete``, ``first_pass``) on ``session``'s cluster."""
    if settings.executor == "ray":
        from prm_labeler.ray_executor import RaySession, ray_pools

        rs = settings.ray or RaySettings()
        with ray_pools((session or RaySession(rs)).get(), rs, settings, problems) as pools:
            yield pools.completer, pools.sandbox, pools.stats
        return
    with _completer(settings, problems) as completer, Sandbox(workers=settings.workers) as sandbox:
        yield completer, sandbox, lambda: {"executor": "local"}


def completer_config(settings: CollectSettings) -> tuple[CompleterConfig, str]:
    """The completer's config (its model filled in) and the option the model came from."""
    cfg = settings.completer
    if cfg.backend == "reference":
        return cfg, "--backend"
    option = "--completer-model" if settings.completer_model else "--checkpoint"
    model = settings.completer_model or (settings.checkpoints[0] if settings.checkpoints else "")
    if cfg.backend != "openai" and not model:
        raise InputError(None, "with --samples, name the completer with --completer-model", field="--completer-model")
    return replace(cfg, model=model or cfg.model), option


def _completer(settings: CollectSettings, problems: dict[str, Problem]) -> Completer:
    config, option = completer_config(settings)
    if config.backend == "reference":  # simulated: completes from the reference solutions
        from prm_labeler.completers.reference import ReferenceCompleter

        return ReferenceCompleter(config, list(problems.values()), p=settings.reference_p)
    return make_completer(config, model_option=option)


def _timeouts(settings: CollectSettings, sandbox: Sandbox, problems: dict[str, Problem]) -> dict[str, float]:
    if settings.timeout is not None:
        return {pid: settings.timeout for pid in problems}
    return adaptive_timeouts(sandbox, problems.values())


def _check_same_shard(out: Path, settings: CollectSettings) -> None:
    """Resuming a directory with another --shard would mix two shards' problems: refuse."""
    path = out / SUMMARY
    if not settings.resume or not path.exists():
        return
    earlier = {run.get("shard") for run in json.loads(path.read_text())}
    if earlier and earlier != {shard_text(settings.shard)}:
        raise InputError(out, f"was collected with --shard {sorted(map(str, earlier))}, not {shard_text(settings.shard)}", field="--shard")


def _save_summary(out: Path, settings: CollectSettings, stats: dict[str, Any]) -> None:
    path = out / SUMMARY
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append({"checkpoint": settings.checkpoints[0] if settings.checkpoints else settings.samples, **stats})
    atomic_write_text(path, json.dumps(runs, indent=2))


def describe_settings(settings: CollectSettings) -> dict[str, Any]:
    return asdict(settings)


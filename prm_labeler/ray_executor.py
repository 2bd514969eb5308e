"""``prm-label collect --executor ray``: the search rounds fan out over a Ray cluster.

The driver keeps everything that decides a label: the ``Collector`` and its lockstep ``Planner``,
the probe cache, the witness pool and the ONE dataset writer. Only the two kinds of work a round
hands out leave the driver:

- completions: ``RayCompleter.complete(requests)`` splits the round's requests into contiguous
  chunks (samples of a problem stay together, so an actor's prefix cache still sees them) and
  sends one chunk to each of G *completer actors*. Each actor process builds its completer engine
  once (``collect_job._completer``: vLLM, transformers, openai or the simulated reference), for one
  checkpoint, and holds ``gpus_per_worker`` GPUs (the tensor-parallel size by default).
- verdicts: ``RaySandbox.first_pass(groups)`` splits the round's groups into chunks and keeps
  two chunks in flight on each of S *sandbox actors*, each holding a ``Sandbox`` pool of judge
  processes (a pool per actor, not per task: starting the judges' zygotes costs ~0.5 s).

Both return their results in request order, so the driver sees exactly what a single-process run
sees: a request's completions depend only on its seed (``completers.base``), a group's first-pass
result only on its members (``sandbox.Sandbox.first_pass``). Same seeds, same labels.

Failures: an actor whose process dies (OOM, a preempted node, ``kill -9``) is restarted by Ray
(``max_restarts``); the chunk it was working on is put back at the head of the queue and sent
again, to the restarted actor or another one, at most ``CHUNK_ATTEMPTS`` times. A replayed chunk
gives the same texts and verdicts (seeded), and the writer commits a problem's rows once, by key,
so a re-run chunk can never duplicate or change a row. An actor that Ray gives up on is replaced
by a new one. Errors raised by the work itself (``CompleterError``, a model that does not load)
are not retried: they stop the run as in the local executor.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Self

from prm_labeler.completers.base import (
    Completer,
    CompleterConfig,
    CompleterError,
    CompletionRequest,
    CompletionResult,
)
from prm_labeler.errors import InputError

if TYPE_CHECKING:
    from prm_labeler.collect_job import CollectSettings
    from prm_labeler.problems import Problem
    from sandbox import GroupResult, Job, Verdict

MAX_RESTARTS = 3  # Ray restarts a dead actor process this many times, then we replace the actor
CHUNK_ATTEMPTS = 4  # a chunk whose actor died is sent again at most this many times in all
SANDBOX_CHUNKS_PER_WORKER = 4  # finer chunks balance the sandbox actors
SANDBOX_IN_FLIGHT = 2  # chunks queued per sandbox actor: it never waits for the driver
# passed from the driver's environment to the actors (a remote node has its own environment)
ENV_PREFIXES = ("VLLM_", "HF_", "HUGGINGFACE_", "TRANSFORMERS_", "TORCHINDUCTOR_", "TOKENIZERS_", "OMP_", "MKL_", "OPENAI_")


@dataclass(frozen=True)
class RaySettings:
    """How ``--executor ray`` lays the work out on the cluster."""

    address: str | None = None  # None: a local Ray (or the one this process already joined); "auto"; host:port
    num_gpu_workers: int = 1  # completer actors, one engine (one checkpoint) each
    gpus_per_worker: float | None = None  # None: the tensor-parallel size, when the cluster has GPUs
    sandbox_workers: int | None = None  # sandbox actors; None: the cluster's free CPUs / judges_per_worker
    judges_per_worker: int = 1  # judge processes per sandbox actor (the CPUs it reserves)
    torch_threads: int | None = None  # per completer actor; None: torch's default on GPUs, CPUs / G on CPU

    def check(self) -> None:
        if self.num_gpu_workers < 1:
            raise InputError(None, f"must be >= 1, not {self.num_gpu_workers}", field="--num-gpu-workers")
        if self.sandbox_workers is not None and self.sandbox_workers < 1:
            raise InputError(None, f"must be >= 1, not {self.sandbox_workers}", field="--sandbox-workers")
        if self.gpus_per_worker is not None and self.gpus_per_worker < 0:
            raise InputError(None, f"must be >= 0, not {self.gpus_per_worker}", field="--gpus-per-worker")
        if self.judges_per_worker < 1:
            raise InputError(None, f"must be >= 1 with --executor ray, not {self.judges_per_worker}", field="--workers")


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(None, "ray is not installed: pip install -e .[ray]", field="--executor") from None
    return ray


def _note(text: str) -> None:
    print(f"ray executor: {text}", file=sys.stderr, flush=True)


def _check_address(address: str) -> None:
    """A host:port that refuses connections fails here at once (ray.init would retry for minutes)."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(None, f"{address!r}: expected HOST:PORT, auto or ray://HOST:PORT", field="--ray-address")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise InputError(None, f"cannot reach a Ray cluster at {address} ({exc.strerror or exc})", field="--ray-address") from None


class RaySession:
    """Joins the cluster at ``address`` (or starts a local Ray) when first asked, i.e. after the
    problems and samples were read and checked, and leaves it at the end if it joined. A process
    that already called ``ray.init`` (a notebook, a test) keeps its session."""

    def __init__(self, rs: RaySettings) -> None:
        self.rs, self.ray, self.joined = rs, import_ray(), False
        if rs.address:
            _check_address(rs.address)

    def get(self) -> Any:
        ray = self.ray
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            try:
                ray.init(address=self.rs.address, include_dashboard=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                raise InputError(None, f"cannot start or join Ray at {self.rs.address or 'local'}: {line}", field="--ray-address") from None
            self.joined = True
        return ray

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.joined:
            self.ray.shutdown()
            self.joined = False


# --- the actors (plain classes; wrapped with ray.remote when a pool starts) ----------------------
class CompleterWorker:
    """One completer engine in its own process: built once, then ``complete`` per chunk."""

    def __init__(self, settings: CollectSettings, problems: list[Any], env: dict[str, str], threads: int | None) -> None:
        """``problems``: [an object ref of the problems] for the simulated engine, else [] (the
        problems can be large: they stay in the object store, where the driver keeps them alive
        for as long as the actor may restart, ray-project/ray#53727)."""
        import ray

        problem_map = ray.get(problems[0]) if problems else {}
        os.environ.update(env)  # before vLLM/torch read it
        if threads:
            import torch

            torch.set_num_threads(threads)
        from prm_labeler.collect_job import _completer

        try:
            self.completer = _completer(settings, problem_map)
        except InputError as exc:  # (not picklable as is) a model this node cannot load
            raise CompleterError(str(exc)) from None

    def pid(self) -> int:
        return os.getpid()

    def complete(self, requests: list[CompletionRequest]) -> list[CompletionResult]:
        return self.completer.complete(requests)


class SandboxWorker:
    """A ``Sandbox`` pool of judge processes on one node."""

    def __init__(self, judges: int) -> None:
        from sandbox import Sandbox

        self.sandbox = Sandbox(workers=judges)

    def pid(self) -> int:
        return os.getpid()

    def isolation(self) -> str:
        return self.sandbox.isolation

    def first_pass(self, groups: list[list[Job]]) -> list[GroupResult]:
        return self.sandbox.first_pass(groups)

    def close(self) -> None:
        self.sandbox.close()


# --- a pool of actors and the work queue over it -------------------------------------------------
class _Pool:
    """G (or S) actors and a work queue over them that survives actor deaths."""

    def __init__(self, ray: Any, name: str, make: Callable[[], Any], size: int, in_flight: int, fail: type[Exception]) -> None:
        self.ray, self.name, self.make, self.in_flight, self.fail = ray, name, make, in_flight, fail
        self.actors = [make() for _ in range(size)]
        self.requeued = 0  # chunks sent again after their actor died
        self.replaced = 0  # actors Ray gave up on (restarts used up, restart failed), replaced by new ones
        self._down: dict[int, Any] = {}  # actor index -> its pending ping: no work until it answers

    def wait_ready(self) -> list[int]:
        """The actors' pids, once every engine is built (raises what a constructor raised)."""
        ray = self.ray
        pids = []
        for a in self.actors:
            try:
                pids.append(self._get(a.pid.remote()))
            except ray.exceptions.RayActorError as exc:  # the constructor raised, or the process died
                raise self.fail(f"{self.name} actor could not start: {_last_line(str(exc))}") from None
        return pids

    def _get(self, ref: Any, timeout: float | None = None) -> Any:
        ray = self.ray
        try:
            return ray.get(ref, timeout=timeout)
        except ray.exceptions.RayTaskError as exc:  # raised by our code in the actor: not retried
            cause = getattr(exc, "cause", None)
            if isinstance(cause, (InputError, CompleterError)):
                raise cause from None
            raise self.fail(f"{self.name} actor failed: {_last_line(str(cause or exc))}") from None

    def _mark_down(self, a: int, exc: Exception) -> None:
        """Actor ``a`` failed: no work for it until a ping answers. Ray restarts a dead process by
        itself; an actor Ray gave up on (ActorDiedError) is replaced by a new one."""
        if isinstance(exc, self.ray.exceptions.ActorDiedError):
            self.ray.kill(self.actors[a], no_restart=True)
            self.actors[a] = self.make()
            self.replaced += 1
        self._down[a] = self.actors[a].pid.remote()

    def _check_ping(self, a: int, ref: Any) -> None:
        ray = self.ray
        try:
            ray.get(ref)
            del self._down[a]  # back: restarted (the engine rebuilt) or replaced
        except ray.exceptions.RayActorError as exc:
            if self.replaced > 4 * len(self.actors) + CHUNK_ATTEMPTS:
                raise self.fail(f"{self.name} actors keep dying: {_last_line(str(exc))}") from None
            time.sleep(0.5)  # still restarting
            self._mark_down(a, exc)

    def run(self, method: str, chunks: Sequence[Any]) -> list[Any]:
        """``actor.method(chunk)`` for every chunk, spread over the live actors; results in order."""
        ray = self.ray
        results: list[Any] = [None] * len(chunks)
        attempts = [0] * len(chunks)
        queue = deque(range(len(chunks)))
        inflight: dict[Any, tuple[int, int]] = {}  # ref -> (chunk, actor)
        load = [0] * len(self.actors)
        while queue or inflight:
            while queue:
                live = [i for i in range(len(self.actors)) if i not in self._down]
                a = min(live, key=lambda i: load[i], default=None)
                if a is None or load[a] >= self.in_flight:
                    break
                c = queue.popleft()
                attempts[c] += 1
                inflight[getattr(self.actors[a], method).remote(chunks[c])] = (c, a)
                load[a] += 1
            pings = {ref: a for a, ref in self._down.items()}
            [ref], _ = ray.wait([*inflight, *pings], num_returns=1)
            if ref in pings:
                self._check_ping(pings[ref], ref)
                continue
            c, a = inflight.pop(ref)
            load[a] -= 1
            try:
                results[c] = self._get(ref)
            except ray.exceptions.RayActorError as exc:  # the process died (or is restarting)
                if attempts[c] >= CHUNK_ATTEMPTS:
                    raise self.fail(f"{self.name} chunk failed {attempts[c]} times, its actor died each time: {_last_line(str(exc))}") from None
                self.requeued += 1
                _note(f"{self.name} actor {a} died ({type(exc).__name__}); its chunk goes back in the queue")
                if a not in self._down:
                    self._mark_down(a, exc)
                queue.appendleft(c)
        return results

    def close(self, method: str | None = None) -> None:
        ray = self.ray
        if method:
            for a in self.actors:
                with suppress(Exception):  # dead or stuck: killed next
                    ray.get(getattr(a, method).remote(), timeout=30)
        for a in self.actors:
            ray.kill(a, no_restart=True)  # frees the actor's GPUs before the next checkpoint
        self.actors = []


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:300]


def _split(sizes: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """Contiguous [lo, hi) ranges of ``sizes`` with about equal sums; at most ``parts`` of them."""
    total = sum(sizes)
    if not sizes:
        return []
    parts = max(1, min(parts, len(sizes)))
    out, lo, acc = [], 0, 0
    for i, s in enumerate(sizes):
        acc += s
        if len(out) < parts - 1 and acc >= total * (len(out) + 1) / parts and i + 1 < len(sizes):
            out.append((lo, i + 1))
            lo = i + 1
    out.append((lo, len(sizes)))
    return out


class RayCompleter(Completer):
    """A completer whose ``complete`` runs on G completer actors; see the module docstring."""

    def __init__(self, pool: _Pool, config: CompleterConfig) -> None:
        super().__init__(config)
        self.pool = pool

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResult]:
        requests = list(requests)
        ranges = _split([r.n for r in requests], len(self.pool.actors))
        outs = self.pool.run("complete", [requests[lo:hi] for lo, hi in ranges])
        return [r for chunk in outs for r in chunk]


class RaySandbox:
    """``first_pass``/``run`` of ``sandbox.Sandbox`` on S sandbox actors."""

    def __init__(self, pool: _Pool, isolation: str) -> None:
        self.pool, self.isolation = pool, isolation

    def first_pass(self, groups: Sequence[Sequence[Job]]) -> list[GroupResult]:
        groups = [list(g) for g in groups]
        ranges = _split([len(g) for g in groups], SANDBOX_CHUNKS_PER_WORKER * len(self.pool.actors))
        outs = self.pool.run("first_pass", [groups[lo:hi] for lo, hi in ranges])
        return [r for chunk in outs for r in chunk]

    def run(self, jobs: Sequence[Job]) -> list[Verdict]:
        return [r.verdicts[0] for r in self.first_pass([[j] for j in jobs])]  # type: ignore[misc]


@dataclass
class RayPools:
    completer: RayCompleter
    sandbox: RaySandbox
    describe: dict[str, Any]

    def stats(self) -> dict[str, Any]:
        c, s = self.completer.pool, self.sandbox.pool
        return {**self.describe, "requeued_chunks": c.requeued + s.requeued, "replaced_actors": c.replaced + s.replaced}


@contextmanager
def ray_pools(ray: Any, rs: RaySettings, settings: CollectSettings, problems: dict[str, Problem]) -> Iterator[RayPools]:
    """Start the completer and sandbox actors for one checkpoint; kill them at the end."""
    from prm_labeler.collect import InfrastructureError
    from prm_labeler.collect_job import completer_config
    from prm_labeler.completers import check_model_ref

    config, option = completer_config(settings)
    cfg = settings.completer
    if rs.address is None and cfg.backend in ("vllm", "transformers"):
        check_model_ref(config.model, option)  # a local cluster sees the driver's files: fail early
    resources = ray.cluster_resources()
    cluster_gpus, cluster_cpus = float(resources.get("GPU", 0)), float(resources.get("CPU", 0))
    needs_gpu = cfg.backend in ("vllm", "transformers")
    gpus = rs.gpus_per_worker if rs.gpus_per_worker is not None else float(cfg.tensor_parallel_size)
    if not needs_gpu or cluster_gpus == 0:
        if needs_gpu:
            _note(f"the cluster has no GPUs: the {rs.num_gpu_workers} completer actor(s) run on CPU")
        gpus = 0.0
    elif gpus * rs.num_gpu_workers > cluster_gpus:
        _note(f"{rs.num_gpu_workers} completer actors x {gpus:g} GPUs > the cluster's {cluster_gpus:g} GPUs: "
              "some wait until GPUs are free (or the autoscaler adds nodes)")
    if cfg.backend == "vllm" and cfg.tensor_parallel_size > 1 and "distributed_executor_backend" not in cfg.engine_kwargs:
        # the actor owns its tensor-parallel GPUs; vLLM's own worker processes use them
        settings = replace(settings, completer=replace(cfg, engine_kwargs={**cfg.engine_kwargs, "distributed_executor_backend": "mp"}))
    completer_cpus = 1.0 if gpus else 0.0
    free_cpus = cluster_cpus - completer_cpus * rs.num_gpu_workers
    s = rs.sandbox_workers or max(1, int(free_cpus // rs.judges_per_worker))
    if s * rs.judges_per_worker > max(free_cpus, 0):
        _note(f"{s} sandbox actors x {rs.judges_per_worker} CPUs > the {max(free_cpus, 0):g} free CPUs: some wait for CPUs")
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
    threads = rs.torch_threads or (None if gpus or not needs_gpu else max(1, int(cluster_cpus // rs.num_gpu_workers)))
    # only the simulated engine reads the problems; the pool holds the reference (see CompleterWorker)
    engine_problems = [ray.put(problems)] if cfg.backend == "reference" else []
    opts: dict[str, Any] = {"max_restarts": MAX_RESTARTS, "max_task_retries": 0}
    if gpus:
        opts.update(num_gpus=gpus, num_cpus=completer_cpus)
    completer_cls = ray.remote(**opts)(CompleterWorker)
    sandbox_cls = ray.remote(num_cpus=rs.judges_per_worker, **opts)(SandboxWorker)
    cpool = _Pool(ray, "completer", lambda: completer_cls.remote(settings, engine_problems, env, threads),
                  rs.num_gpu_workers, 1, CompleterError)
    spool = _Pool(ray, "sandbox", lambda: sandbox_cls.remote(rs.judges_per_worker), s, SANDBOX_IN_FLIGHT, InfrastructureError)
    try:
        t0 = time.monotonic()
        _note(f"starting {rs.num_gpu_workers} completer actor(s) ({cfg.backend}, {gpus:g} GPU each) and {s} sandbox actor(s) "
              f"({rs.judges_per_worker} judge(s) each) on a cluster of {cluster_cpus:g} CPUs, {cluster_gpus:g} GPUs")
        cpool.wait_ready()
        spool.wait_ready()
        levels = {spool._get(a.isolation.remote()) for a in spool.actors}
        _note(f"actors ready in {time.monotonic() - t0:.1f} s")
        describe = {"executor": "ray", "gpu_workers": rs.num_gpu_workers, "gpus_per_worker": gpus,
                    "sandbox_workers": s, "judges_per_worker": rs.judges_per_worker}
        yield RayPools(RayCompleter(cpool, config), RaySandbox(spool, "full" if levels == {"full"} else "reduced"), describe)
    finally:
        spool.close("close")
        cpool.close()

"""`prm-label collect --executor ray` on a local Ray (2 CPUs, no GPU), against the local executor.

* The Ray run gives exactly the rows of the single-process run for the same seeds: the simulated
  ``reference`` completer on sanitized-MBPP references plus injected-bug variants (labels with real
  first errors, witnesses shared between a problem's samples), through the real CLI.
* Actor processes killed for real (SIGKILL of the pid) in the middle of a run: a sandbox actor
  while it judges a chunk, a completer actor; the run still yields the complete, duplicate-free
  dataset, identical to the uninterrupted one, and the summary counts the re-queued chunks.
* The same with a real engine: the tiny local model on the transformers backend in two completer
  actors (policy sampling and probes fan out), one of them killed while it generates.
* vLLM (the CPU build) runs inside a completer actor.
* Bad options: one line naming the option, exit 2.

Ray starts once for the module (about 3 s) and every actor set takes a few seconds to start.
"""

from __future__ import annotations

import builtins
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from cli.app import app
from prm_labeler.collect_job import SUMMARY, CollectSettings, run_collect
from prm_labeler.completers.base import CompleterConfig
from prm_labeler.ray_executor import RaySettings
from prm_labeler.search import SearchConfig
from tests.conftest import assert_one_line_error, skip_or_fail
from tests.fixtures_models import patched_environ, require_vllm, vllm_test_env

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
PROBLEMS = 16
REF_OPTS = ["--backend", "reference", "--n", "4", "--reference-p", "0.2", "--seed", "7", "--timeout", "5", "--max-open", "8"]


@pytest.fixture(scope="module")
def ray_cluster():
    try:
        import ray
    except ImportError:
        skip_or_fail("ray is not installed (pip install -e .[ray], see scripts/setup.sh)")
    with patched_environ({"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}):
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield ray
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def mbpp_workload(shared_data, tmp_path_factory):
    """Problems, samples (references + injected bugs) and the local executor's dataset rows."""
    tmp = tmp_path_factory.mktemp("ray-mbpp")
    problems, samples = shared_data / "sanitized-mbpp.json", tmp / "samples.jsonl"
    res = subprocess.run([sys.executable, "-m", "prm_labeler.bugs", "--problems", str(problems), "--out", str(samples),
                          "--limit", str(PROBLEMS)], check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    first = json.loads(samples.read_text().splitlines()[0])  # a reference solution: it passes
    slow = {"problem_id": first["problem_id"], "solution": "import time\ntime.sleep(1.0)\n" + first["solution"]}
    with samples.open("a") as f:  # a sandbox chunk that takes a second: an actor is surely caught judging it
        f.write(json.dumps(slow) + "\n")
    res = runner.invoke(app, ["collect", "--problems", str(problems), "--samples", str(samples), "--out", str(tmp / "local"),
                              "--workers", "2", *REF_OPTS])
    assert res.exit_code == 0, res.stderr
    rows = _rows(tmp / "local")
    assert len(rows) == 2 * PROBLEMS + 1
    reasons = {r["finish_reason"] for r in rows.values()}
    assert {"found_error", "solution"} <= reasons, reasons  # real searches, not only trivial rows
    assert sum(len(r["witnesses"]) for r in rows.values()) > 0
    return problems, samples, rows


def _rows(out: Path) -> dict[str, dict]:
    """The dataset by sample id, without the one column that is a wall-clock time."""
    ds = datasets.load_from_disk(str(out)).to_list()
    ids = [r["sample_id"] for r in ds]
    assert len(ids) == len(set(ids)), "duplicate samples"
    for r in ds:
        r.pop("cost_seconds")
    return {r["sample_id"]: r for r in ds}


def _summary(out: Path) -> dict:
    return json.loads((out / SUMMARY).read_text())[-1]


def _descendants() -> dict[int, str]:
    """pid -> command line of this process's descendants (the local Ray's workers among them)."""
    parent, cmd = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
            parent[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
            cmd[int(d)] = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
    me, out = os.getpid(), {}
    for pid, line in cmd.items():
        p, seen = pid, 0
        while p in parent and p > 1 and seen < 64:
            p, seen = parent[p], seen + 1
            if p == me:
                out[pid] = line
                break
    return out


class Killer(threading.Thread):
    """SIGKILLs, once each, an actor process whose title starts with each of ``titles`` (Ray names
    a busy actor process ``ray::Class.method``, an idle one ``ray::Class``) and has had it for at
    least ``busy`` seconds: a process caught in the middle of its work, not just as it returns."""

    def __init__(self, titles: list[str], busy: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.titles, self.busy, self.killed = list(titles), busy, []
        self.stop_event = threading.Event()

    def run(self) -> None:
        seen: dict[tuple[int, str], float] = {}
        while self.titles and not self.stop_event.is_set():
            now = time.monotonic()
            for pid, cmd in _descendants().items():
                if not cmd.startswith(self.titles[0]):
                    continue
                since = seen.setdefault((pid, cmd), now)
                if now - since >= self.busy:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append((self.titles.pop(0), pid))
                    seen.clear()
                    break
            time.sleep(0.01)


def test_ray_run_gives_the_local_runs_labels(ray_cluster, mbpp_workload, tmp_path):
    problems, samples, local = mbpp_workload
    out = tmp_path / "ray"
    res = runner.invoke(app, ["collect", "--problems", str(problems), "--samples", str(samples), "--out", str(out), *REF_OPTS,
                              "--executor", "ray", "--num-gpu-workers", "2", "--sandbox-workers", "2"])
    assert res.exit_code == 0, res.stderr
    assert "the cluster has no GPUs" not in res.stderr  # the reference backend needs none
    assert _rows(out) == local
    s = _summary(out)
    assert (s["executor"], s["gpu_workers"], s["sandbox_workers"], s["requeued_chunks"], s["isolation"]) == ("ray", 2, 2, 0, "full")
    again = runner.invoke(app, ["collect", "--problems", str(problems), "--samples", str(samples), "--out", str(out), *REF_OPTS,
                                "--executor", "ray", "--num-gpu-workers", "2", "--sandbox-workers", "2"])
    assert again.exit_code == 0 and f"({2 * PROBLEMS + 1} already done)" in again.stderr  # resume works the same way


def test_killed_sandbox_and_completer_actors_still_give_the_whole_dataset(ray_cluster, mbpp_workload, tmp_path):
    problems, samples, local = mbpp_workload
    killer = Killer(["ray::SandboxWorker.first_pass", "ray::CompleterWorker"])
    killer.start()
    settings = CollectSettings(
        problems=str(problems), out=str(tmp_path / "ray"), samples=str(samples),
        completer=CompleterConfig(backend="reference", n=4, seed=7), search=SearchConfig(n=4, confirm=4, seed=7),
        timeout=5.0, max_open=8, reference_p=0.2, executor="ray",
        ray=RaySettings(num_gpu_workers=2, sandbox_workers=2),
    )
    try:
        [stats] = run_collect(settings)
    finally:
        killer.stop_event.set()
    assert [t for t, _ in killer.killed] == ["ray::SandboxWorker.first_pass", "ray::CompleterWorker"], killer.killed
    assert stats.samples == 2 * PROBLEMS + 1 and not stats.interrupted
    assert _rows(tmp_path / "ray") == local  # complete, no duplicates, the same labels
    assert _summary(tmp_path / "ray")["requeued_chunks"] >= 1  # the busy sandbox actor's chunk, at least
    time.sleep(1)  # the killed sandbox actor's judges see their socket close and exit
    leftover = [c for c in _descendants().values() if "sandbox.judge_worker" in c]
    assert not leftover, leftover  # every sandbox actor closed its judges, the killed one's died with it


HUMANEVAL = ["HumanEval/0", "HumanEval/2", "HumanEval/4", "HumanEval/7"]


def test_real_engine_in_two_actors_one_killed_while_generating(ray_cluster, shared_data, tiny_model_dir, tmp_path):
    with gzip.open(shared_data / "HumanEval.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f]
    problems = tmp_path / "he.jsonl"
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows if r["task_id"] in HUMANEVAL))
    base = CollectSettings(
        problems=str(problems), out=str(tmp_path / "local"), checkpoints=(str(tiny_model_dir),),
        completer=CompleterConfig(backend="transformers", n=3, max_tokens=48, temperature=1.0, seed=5),
        search=SearchConfig(n=3, confirm=3, seed=5), samples_per_problem=3, timeout=5.0, workers=1,
    )
    [local_stats] = run_collect(base)
    local = _rows(tmp_path / "local")
    assert len(local) == len(HUMANEVAL) * 3 and local_stats.completions > 0

    killer = Killer(["ray::CompleterWorker.complete"], busy=0.5)  # the policy sampling call: killed mid-generation
    killer.start()
    ray_settings = replace(base, out=str(tmp_path / "ray"), executor="ray", ray=RaySettings(num_gpu_workers=2, sandbox_workers=1))
    try:
        run_collect(ray_settings)
    finally:
        killer.stop_event.set()
    assert len(killer.killed) == 1, "no completer actor was caught generating"
    assert _rows(tmp_path / "ray") == local
    s = _summary(tmp_path / "ray")
    assert s["requeued_chunks"] >= 1 and s["gpus_per_worker"] == 0 and s["completions"] == local_stats.completions


def test_vllm_engine_in_a_ray_actor(ray_cluster, shared_data, tiny_model_dir, tmp_path, monkeypatch):
    """vLLM (CPU build) inside a completer actor: its VLLM_*/HF_* settings reach the actor."""
    require_vllm()
    for k, v in vllm_test_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    with gzip.open(shared_data / "HumanEval.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f]
    problems = tmp_path / "he.jsonl"
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows if r["task_id"] in HUMANEVAL[:3]))
    settings = CollectSettings(
        problems=str(problems), out=str(tmp_path / "ray"), checkpoints=(str(tiny_model_dir),),
        completer=CompleterConfig(backend="vllm", n=2, max_tokens=24, temperature=1.0, seed=5, dtype="float32",
                                  max_model_len=1024, enforce_eager=True),
        search=SearchConfig(n=2, confirm=2, seed=5), samples_per_problem=2, timeout=5.0, executor="ray",
        ray=RaySettings(num_gpu_workers=1, sandbox_workers=1),
    )
    [stats] = run_collect(settings)
    got = _rows(tmp_path / "ray")
    assert len(got) == 6 and stats.completions >= 6 * 2  # 3 problems x 2 samples; probes of N = 2
    assert {r["completer_backend"] for r in got.values()} == {"vllm"}
    assert all(r["solution"].startswith(r["prompt"]) for r in got.values())
    assert _summary(tmp_path / "ray")["completer_tokens"] > 0


def test_bad_executor_options_are_one_line_errors(tmp_path, monkeypatch):
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps({"task_id": "t/0", "prompt": "def f():\n", "entry_point": "f", "test": "def check(c):\n    assert c() == 1\n",
                             "canonical_solution": "    return 1\n"}) + "\n")
    common = ["collect", "--problems", str(p), "--out", str(tmp_path / "o"), "--backend", "reference", "--samples", str(p)]
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "ray", "--num-gpu-workers", "0"]), "--num-gpu-workers", ">= 1")
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "ray", "--sandbox-workers", "0"]), "--sandbox-workers")
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "ray", "--gpus-per-worker", "-1"]), "--gpus-per-worker")
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "spark"]), "--executor", "spark")
    assert_one_line_error(runner.invoke(app, [*common, "--num-gpu-workers", "2"]), "--num-gpu-workers", "needs --executor ray")
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "ray", "--ray-address", "127.0.0.1:1"]), "--ray-address", "127.0.0.1:1")
    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    monkeypatch.delitem(sys.modules, "ray", raising=False)
    assert_one_line_error(runner.invoke(app, [*common, "--executor", "ray"]), "--executor", "pip install -e .[ray]")

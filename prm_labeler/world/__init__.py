"""The tiny world: generated problems with per-line ground truth and a small trained policy.

No pretrained code model can be downloaded on a CPU-only, offline machine, and a random model
never passes a test. This world gives the pipeline something real to label in minutes: problems
whose solutions are short one-operation-per-line functions (``generator``), the exact first
error of any attempt (``truth``), and a ~1M-parameter Qwen2 trained on correct solutions
(``policy``; the trained weights ship in ``tiny-policy/``) that solves many problems at
temperature 1 but not all, its mistakes falling on particular lines.
"""

from __future__ import annotations

from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent / "tiny-policy"


def shipped_policy() -> Path:
    """The trained tiny policy's directory (config, weights, tokenizer)."""
    return POLICY_DIR

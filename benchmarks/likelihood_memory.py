#!/usr/bin/env python
"""Memory of the likelihood head's loss: chunked token log-probabilities vs the whole-tensor upcast.

The likelihood head (``prm-label train --head likelihood``) reads every step token's log-probability
from the LM's logits. The baseline is the straightforward way (what the head first did): upcast
all logits to float32 and take ``logsumexp`` over the vocabulary at once, keeping both for the
backward pass. Ours (``likelihood.token_logprobs``) upcasts ``--chunk`` positions at a time and
recomputes each chunk in the backward pass, where the gradient goes straight into one tensor of the logits' shape and dtype.

Each variant runs in a fresh process on the same random bfloat16 logits of a real LM's shape
(default: batch 2 x 1024 tokens x Qwen2.5's 151,936-token vocabulary, 0.6 GB), forward and
backward through the prefix soft-minimum and a BCE loss. "extra peak" = the process's peak
resident memory minus its resident memory once the logits exist (the logits' own gradient, the
same size in both, included); the values and gradients are checked equal.

    .venv/bin/python benchmarks/likelihood_memory.py
    .venv/bin/python benchmarks/likelihood_memory.py --tokens 512 --vocab 32000   # quicker
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def run_variant(variant: str, batch: int, tokens: int, vocab: int, chunk: int) -> dict:
    import torch

    from prm_labeler.trainer.likelihood import KAPPA, prefix_minima

    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(0)
    logits = torch.empty(batch, tokens, vocab, dtype=torch.bfloat16)
    for t in range(tokens):  # filled a position at a time: no float32 copy inflates the process's peak before the run
        logits[:, t] = torch.randn(batch, vocab, generator=gen) * 2
    logits.requires_grad_(True)
    ids = torch.randint(0, vocab, (batch, tokens), generator=gen)
    counted = torch.ones(batch, tokens, dtype=torch.bool)
    counted[:, :64] = False  # a prompt
    targets = (torch.rand(batch, tokens, generator=gen) > 0.3).float()
    base = _rss_mb()
    t0 = time.perf_counter()
    if variant == "ours":
        m = prefix_minima(logits, ids, counted, chunk=chunk or None)
    else:  # the whole-tensor upcast
        full = logits[:, :-1].float()
        picked = full.gather(-1, ids[:, 1:].unsqueeze(-1))[..., 0] - torch.logsumexp(full, dim=-1)
        lp = torch.nn.functional.pad(picked, (1, 0))
        x = torch.where(counted, -KAPPA * lp, torch.full_like(lp, -1e4))
        m = -torch.logcumsumexp(x, dim=1) / KAPPA
    loss = torch.nn.functional.binary_cross_entropy_with_logits(m[counted] - (-0.5), targets[counted])
    loss.backward()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    grad_sum = sum(float(logits.grad[:, t].float().abs().sum()) for t in range(tokens))  # a position at a time: no big copy
    return {"variant": variant, "extra_peak_mb": peak - base, "seconds": seconds, "loss": float(loss),
            "grad_sum": grad_sum, "logits_mb": logits.numel() * 2 / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=1024)
    ap.add_argument("--vocab", type=int, default=151_936)
    ap.add_argument("--chunk", type=int, default=0, help="positions per chunk (default: likelihood.chunk_positions)")
    ap.add_argument("--variant", choices=["ours", "baseline"], help=argparse.SUPPRESS)  # one run, in a child process
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.batch, args.tokens, args.vocab, args.chunk)))
        return
    rows = {}
    for variant in ("baseline", "ours"):
        cmd = [sys.executable, __file__, "--variant", variant, "--batch", str(args.batch), "--tokens", str(args.tokens),
               "--vocab", str(args.vocab), "--chunk", str(args.chunk)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:  # the kernel's OOM killer, typically: the baseline's float32 copies do not fit
            print(f"{variant}: the run died ({'killed: out of memory' if res.returncode == -9 else res.stderr.strip()[-300:]})",
                  file=sys.stderr)
            rows[variant] = None
            continue
        rows[variant] = json.loads(res.stdout.strip().splitlines()[-1])
    b, o = rows["baseline"], rows["ours"]
    if b is None or o is None:
        done = o or b
        print(f"only {done['variant'] if done else 'neither'} finished: "
              + (f"extra peak {done['extra_peak_mb']:.0f} MB, {done['seconds']:.2f} s" if done else "nothing to compare"))
        return
    from prm_labeler.trainer.likelihood import chunk_positions

    chunk = args.chunk or chunk_positions(args.batch, args.vocab)
    assert abs(b["loss"] - o["loss"]) < 1e-3 * max(1.0, abs(b["loss"])), (b, o)
    assert abs(b["grad_sum"] - o["grad_sum"]) < 1e-2 * b["grad_sum"], (b, o)
    print(f"likelihood-head loss, forward + backward: batch {args.batch} x {args.tokens} tokens x vocabulary {args.vocab:,} "
          f"(bf16 logits {b['logits_mb']:.0f} MB), {chunk} positions per chunk")
    print(f"{'':<30}{'baseline':>12}{'ours':>12}{'baseline / ours':>17}")
    print(f"{'extra peak memory (MB)':<30}{b['extra_peak_mb']:>12.0f}{o['extra_peak_mb']:>12.0f}{b['extra_peak_mb'] / o['extra_peak_mb']:>16.2f}x")
    print(f"{'seconds':<30}{b['seconds']:>12.2f}{o['seconds']:>12.2f}{b['seconds'] / o['seconds']:>16.2f}x")
    print(f"loss {o['loss']:.6f} (baseline {b['loss']:.6f}); gradient |sum| {o['grad_sum']:.4g} (baseline {b['grad_sum']:.4g})")


if __name__ == "__main__":
    main()

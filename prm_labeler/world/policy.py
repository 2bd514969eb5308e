"""Train the tiny world's policy: a ~1-3M-parameter Qwen2 that writes world solutions.

``train_policy(out_dir, seed)`` trains a byte-level BPE tokenizer on world solutions (the same
recipe and chat template as ``prm_labeler.tiny_model``), then a small ``Qwen2ForCausalLM`` on
canonical solutions of freshly generated problems (problems never reused; their ids live in a
seed range the evaluation sets do not use), loss on the solution body only, with AdamW and a
cosine schedule on the CPU. It stops early; at temperature 1 it solves many problems but not all,
and its mistakes are its own: a constant copied wrong, an operation skipped or repeated.

The result is an ordinary Hugging Face directory: vLLM, transformers and ``prm-label collect
--checkpoint`` load it. Same seed, same torch and same thread count give the same weights.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from prm_labeler.world.generator import generate

TRAIN_SEED_BASE = 1_000_000  # training problems: seeds 1_000_000 + k; evaluation sets use small seeds


@dataclass(frozen=True)
class PolicyConfig:
    seed: int = 0
    steps: int = 4000
    batch_size: int = 32
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    hidden_size: int = 128
    intermediate_size: int = 512
    num_hidden_layers: int = 4
    num_attention_heads: int = 2
    num_key_value_heads: int = 1
    vocab_size: int = 512
    tokenizer_problems: int = 4000
    threads: int = 1  # one thread: ~4x faster than two when anything else shares the 2 cores
    save_every: int = 0  # also save step-N/ checkpoints every N steps (0: only the final model)


def _texts(n: int, seed: int) -> list[tuple[str, str]]:
    return [(p.prompt, p.body) for p in generate(n, seed, prefix="train")]


def train_policy(out_dir: str | Path, config: PolicyConfig = PolicyConfig(), log=None) -> dict:
    """Train and save; returns the training record (also saved as ``world_policy.json``)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from prm_labeler.tiny_model import train_tokenizer

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)

    corpus = [a + b for a, b in _texts(config.tokenizer_problems, TRAIN_SEED_BASE - 1 - config.seed)]
    tokenizer = train_tokenizer(corpus, vocab_size=config.vocab_size)
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    eos_ids = [eos, tokenizer.convert_tokens_to_ids("<|im_end|>")]
    mconf = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=config.hidden_size, intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_hidden_layers, num_attention_heads=config.num_attention_heads,
        num_key_value_heads=config.num_key_value_heads, head_dim=config.hidden_size // config.num_attention_heads,
        max_position_embeddings=1024, tie_word_embeddings=True,
        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, torch_dtype="float32",
    )
    model = Qwen2ForCausalLM(mconf).to(torch.float32)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"world policy: {n_params / 1e6:.2f}M parameters, vocab {len(tokenizer)}, {config.steps} steps of {config.batch_size}")

    opt = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01, betas=(0.9, 0.98))

    def lr_at(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        t = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t))

    def encode(prompt: str, body: str) -> tuple[list[int], int]:
        p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        full = tokenizer(prompt + body, add_special_tokens=False)["input_ids"] + [eos]
        return full, len(p)

    def batches():
        k = 0
        while True:
            chunk = [encode(a, b) for a, b in _texts(config.batch_size * 8, TRAIN_SEED_BASE + config.seed * 100_000 + k)]
            k += 1
            chunk.sort(key=lambda e: len(e[0]))
            groups = [chunk[i:i + config.batch_size] for i in range(0, len(chunk), config.batch_size)]
            rng.shuffle(groups)
            yield from groups

    def tensors(group):
        width = max(len(ids) for ids, _ in group)
        ids = torch.full((len(group), width), eos, dtype=torch.long)
        labels = torch.full((len(group), width), -100, dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for i, (toks, n_prompt) in enumerate(group):
            ids[i, : len(toks)] = torch.tensor(toks)
            labels[i, n_prompt: len(toks)] = torch.tensor(toks[n_prompt:])
            mask[i, : len(toks)] = 1
        return ids, mask, labels

    model.train()
    started = time.monotonic()
    history = []
    running = None
    for step, group in zip(range(config.steps), batches()):
        for g in opt.param_groups:
            g["lr"] = config.learning_rate * lr_at(step)
        ids, mask, labels = tensors(group)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if (step + 1) % 50 == 0 or step + 1 == config.steps:
            history.append({"step": step + 1, "loss": round(running, 4), "seconds": round(time.monotonic() - started, 1)})
            log(f"step {step + 1}/{config.steps}  loss {running:.4f}  {time.monotonic() - started:.0f} s")
        if config.save_every and (step + 1) % config.save_every == 0 and step + 1 < config.steps:
            _save(model, tokenizer, out / f"step-{step + 1}", eos, eos_ids)
    _save(model, tokenizer, out, eos, eos_ids)
    record = {"config": asdict(config), "parameters": n_params, "history": history,
              "seconds": round(time.monotonic() - started, 1), "torch": torch.__version__}
    (out / "world_policy.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _save(model, tokenizer, out: Path, eos: int, eos_ids: list[int]) -> None:
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(bos_token_id=eos, eos_token_id=eos_ids, pad_token_id=eos)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)

"""Training data for the PRM: which samples and targets, the split by problem, padding.

- Targets per sample (``sample_targets``): the stored labels (or relabeled with ``after_error``),
  comment steps 0 unless masked; unsolvable samples left out by default (nothing to blame).
- Held-out split by problem (``heldout_problems``): samples of one problem share lines, so a
  split by sample would leak them. The held-out problems are those with the smallest seeded
  hash: the choice depends only on the problem ids and the seed, not on row order or shards.
- ``tokenized_split`` streams the labeled dataset (memory-mapped batches), tokenizes it and
  writes an Arrow file the Trainer maps: input ids, sparse targets and the length column that
  length grouping reads.
- ``bucket_order`` groups samples of similar length into batches (transformers' own
  ``LengthGroupedSampler`` sorts within mega-batches of ``min(n / (4 x batch), 50)`` batches: no
  grouping at all below 8 x batch size samples, little on small sets); ``PRMCollator`` pads a
  batch to its longest sample and counts real vs padded tokens.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets

from data_schemas.labels import NEGATIVE, NEUTRAL, UNSOLVABLE
from prm_labeler.arrow_files import row_tables, write_arrow_stream
from prm_labeler.dataset import iter_tables
from prm_labeler.export import relabel
from prm_labeler.steps import comment_mask
from prm_labeler.trainer.tokenize import encode_sample, model_context

IGNORE = -100.0  # the masked-target value (labels are in [-1, 1]; the Trainer counts != -100)
ROW_COLUMNS = ("problem_id", "sample_id", "prompt", "solution", "steps_offset", "steps", "labels",
               "first_error_step", "finish_reason", "after_error")
TOKENIZED_FEATURES = datasets.Features({
    "input_ids": datasets.List(datasets.Value("int32")),
    "target_positions": datasets.List(datasets.Value("int32")),
    "target_values": datasets.List(datasets.Value("float32")),
    "length": datasets.Value("int32"),
})
COUNTED_FEATURES = datasets.Features({**TOKENIZED_FEATURES, "counted": datasets.List(datasets.Value("int8"))})


@dataclass
class PrepStats:
    """What went into a tokenized split and what was left out or cut."""

    samples: int = 0
    excluded_unsolvable: int = 0
    excluded_no_targets: int = 0  # no labeled step, or not even the first step fits max_length
    samples_truncated: int = 0
    steps_truncated: int = 0
    tokens_truncated: int = 0
    steps_unplaced: int = 0
    tokens: int = 0
    targets: Counter = field(default_factory=Counter)  # target value -> count

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["targets"] = {str(k): v for k, v in sorted(self.targets.items())}
        return d


def sample_targets(
    row: Mapping[str, Any],
    after_error: str | None = None,
    unsolvable: str = "exclude",
    comment_targets: bool = True,
) -> list[float | None] | None:
    """Target per leading step (None: no target there), or None when the sample is left out."""
    if row["finish_reason"] == UNSOLVABLE:
        if unsolvable == "exclude":
            return None
        labels = [NEUTRAL if c else NEGATIVE for c in comment_mask(row["steps"])]
    else:
        labels = relabel(row, after_error) if after_error else list(row["labels"])
    targets = [None if (lab == NEUTRAL and not comment_targets) else float(lab) for lab in labels]
    return targets if any(t is not None for t in targets) else None


def heldout_problems(problem_ids: Iterable[str], fraction: float, seed: int) -> set[str]:
    """The ``ceil(fraction * n)`` problems (at least 1, at most n - 1) with the smallest seeded hash."""
    unique = sorted(set(problem_ids))
    if fraction <= 0 or len(unique) < 2:
        return set()
    k = min(len(unique) - 1, max(1, math.ceil(fraction * len(unique))))

    def rank(pid: str) -> bytes:
        return hashlib.blake2b(f"{seed}\0{pid}".encode(), digest_size=8).digest()

    return set(sorted(unique, key=rank)[:k])


def iter_rows(ds: datasets.Dataset, columns: Sequence[str] = ROW_COLUMNS) -> Iterator[dict[str, Any]]:
    """The dataset's rows (only ``columns``), streamed from its memory-mapped batches."""
    for table in iter_tables(ds.select_columns(list(columns))):
        yield from table.to_pylist()


def tokenized_split(
    rows: Iterable[Mapping[str, Any]],
    tokenizer: Any,
    path: Path,
    *,
    max_length: int,
    after_error: str | None = None,
    unsolvable: str = "exclude",
    comment_targets: bool = True,
    counted: bool = False,
) -> tuple[datasets.Dataset | None, PrepStats]:
    """Tokenize ``rows`` into an Arrow file at ``path``; None when no sample has a target.
    ``counted``: also the tokens a likelihood head reads (``tokenize.counted_tokens``; comment
    steps' tokens do not count)."""
    stats = PrepStats()
    features = COUNTED_FEATURES if counted else TOKENIZED_FEATURES

    def examples() -> Iterator[dict[str, Any]]:
        for row in rows:
            targets = sample_targets(row, after_error, unsolvable, comment_targets)
            if targets is None:
                if row["finish_reason"] == UNSOLVABLE and unsolvable == "exclude":
                    stats.excluded_unsolvable += 1
                else:
                    stats.excluded_no_targets += 1
                continue
            context = model_context(row["prompt"], row["solution"], row["steps_offset"])
            enc = encode_sample(tokenizer, context, row["steps"], targets, max_length,
                                neutral=comment_mask(row["steps"]) if counted else None)
            stats.steps_unplaced += enc.steps_unplaced
            stats.steps_truncated += enc.steps_truncated
            stats.tokens_truncated += enc.tokens_truncated
            stats.samples_truncated += enc.steps_truncated > 0
            if not enc.targets:
                stats.excluded_no_targets += 1
                continue
            stats.samples += 1
            stats.tokens += len(enc.input_ids)
            stats.targets.update(v for _, v in enc.targets)
            example = {
                "input_ids": enc.input_ids,
                "target_positions": [p for p, _ in enc.targets],
                "target_values": [v for _, v in enc.targets],
                "length": len(enc.input_ids),
            }
            if counted:
                example["counted"] = enc.counted
            yield example

    path.parent.mkdir(parents=True, exist_ok=True)
    write_arrow_stream(path, features.arrow_schema, row_tables(examples(), features.arrow_schema, 512))
    if stats.samples == 0:
        return None, stats
    return datasets.Dataset.from_file(str(path)), stats


class PRMCollator:
    """Right-pads a batch to its longest sample; dense float ``labels`` with IGNORE off-target;
    the ``counted`` token mask too (0 on padding) when ``counted`` is set (the likelihood head's
    loss reads it).

    Counts ``real_tokens`` and ``padded_tokens`` (batch x longest) over every batch it builds.
    """

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None, counted: bool = False) -> None:
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of
        self.counted = counted
        self.real_tokens = 0
        self.padded_tokens = 0

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)
        if self.pad_to_multiple_of:
            width = -(-width // self.pad_to_multiple_of) * self.pad_to_multiple_of
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)
        labels = torch.full((len(features), width), IGNORE, dtype=torch.float32)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            input_ids[i, :n] = torch.as_tensor(f["input_ids"], dtype=torch.long)
            attention_mask[i, :n] = 1
            if len(f["target_positions"]):
                labels[i, torch.as_tensor(f["target_positions"], dtype=torch.long)] = torch.as_tensor(
                    f["target_values"], dtype=torch.float32
                )
            self.real_tokens += n
        self.padded_tokens += len(features) * width
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
        if self.counted:
            counted = torch.zeros((len(features), width), dtype=torch.bool)
            for i, f in enumerate(features):
                counted[i, : len(f["counted"])] = torch.as_tensor(f["counted"], dtype=torch.bool)
            batch["counted"] = counted
        return batch


def bucket_order(lengths: Sequence[int], batch_size: int, rng: random.Random, mega_batch: int = 50) -> list[int]:
    """Sample order for length-grouped batches: shuffle, cut into mega-batches of ``mega_batch``
    batches, sort each by length, cut into batches, shuffle the batches (no long-to-short
    curriculum), and put the batch holding the longest sample first (out-of-memory shows at
    step 1, not hours in)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    size = mega_batch * batch_size
    batches: list[list[int]] = []
    for start in range(0, len(order), size):
        mega = sorted(order[start : start + size], key=lambda i: lengths[i], reverse=True)
        batches += [mega[i : i + batch_size] for i in range(0, len(mega), batch_size)]
    rng.shuffle(batches)
    if batches:
        longest = max(range(len(batches)), key=lambda b: max(lengths[i] for i in batches[b]))
        batches[0], batches[longest] = batches[longest], batches[0]
    return [i for batch in batches for i in batch]


class LengthBucketSampler:
    """``bucket_order`` as a torch sampler; each pass draws its seed from torch's RNG (which the
    Trainer seeds), so runs repeat and every epoch is ordered differently."""

    def __init__(self, lengths: Sequence[int], batch_size: int) -> None:
        self.lengths, self.batch_size = list(lengths), batch_size

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        import torch

        seed = int(torch.randint(0, 2**62, (1,)).item())
        return iter(bucket_order(self.lengths, self.batch_size, random.Random(seed)))

"""Turning a labeled sample into model inputs: token ids and the token that carries each step.

A PRM reads ``context + steps`` and scores each step at the step's last token, as verl's critic
reads a value per token. Pure functions of plain data (the tokenizer is passed in).

- *Context.* The prompt the policy saw, then whatever the policy wrote before the first step (a
  chat reply's prose and opening fence, or a repeated solution prefix). When that text is the
  tail of the prompt (a full-program solution repeats the HumanEval prompt), it is not repeated:
  the model reads the sequence the policy produced, ``prompt + completion``.
- *Step tokens.* The text is tokenized once with offsets. Step i spans characters ``[s, e)``; its
  label goes on the last token whose span ends inside ``(s, e]``. A token that merges the step's
  final newline with the next step's text (``"\\n\\n"`` before a blank-line-led step, ``"):\\n\\n"``)
  ends outside the step and belongs to the next one, so the label sits on the token before it:
  a step's score never sees the next step. When no token ends inside a step (one token
  straddles it whole) the label goes on the token holding its last character, unless another
  step already has that token: then the step is *unplaced* (no target, no score).
- *Counted tokens (a likelihood head).* With ``neutral`` given (comment steps), ``counted[t]`` is 1
  for a token that starts inside a step that is not neutral: the tokens whose probabilities a
  likelihood head reads (a token straddling the context's end belongs to the context; token 0 has
  no probability and never counts).
- *Truncation.* Sequences longer than ``max_length`` are cut right after the label token of the
  last step that fits; the steps after it are dropped (and counted). Tokens after the last
  step's label token (a closing fence, prose) are never fed: causal attention means they
  cannot change any step's score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

UNPLACED = -1


@dataclass(frozen=True)
class Encoded:
    """One sample as model input. ``step_tokens[i]`` is step i's label token (``UNPLACED`` when
    it has none or was truncated); ``targets`` pairs (token index, value) for training."""

    input_ids: list[int]
    step_tokens: list[int]
    targets: list[tuple[int, float]]
    steps_truncated: int  # steps cut by max_length (among those considered)
    tokens_truncated: int  # tokens cut by max_length
    steps_unplaced: int  # steps with no token of their own
    counted: list[int] | None = None  # per fed token: 1 = starts inside a non-neutral step (when asked)


def model_context(prompt: str, solution: str, steps_offset: int) -> str:
    """The text before the first step, as the model reads it (see the module docstring)."""
    lead = solution[:steps_offset]
    if lead and prompt.endswith(lead):
        return prompt
    return prompt + lead


def step_spans(context_len: int, steps: Sequence[str]) -> list[tuple[int, int]]:
    """Character span ``[start, end)`` of each step in ``context + "".join(steps)``."""
    spans, pos = [], context_len
    for step in steps:
        spans.append((pos, pos + len(step)))
        pos += len(step)
    return spans


def place_steps(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int]:
    """For each step span, the index of the token carrying its label (``UNPLACED`` if none).

    ``offsets`` are the tokenizer's ``(start, end)`` character spans in token order; special
    tokens have ``(0, 0)`` and never carry a label.
    """
    ends_inside: list[int] = []
    t, n = 0, len(offsets)
    for start, end in spans:
        best = UNPLACED
        while t < n and offsets[t][1] <= end:  # tokens ending at or before this step's end
            tok_start, tok_end = offsets[t]
            if tok_end > start and tok_end > tok_start:
                best = t
            t += 1
        ends_inside.append(best)
    genuine = set(ends_inside)
    placed, last = [], UNPLACED
    for (start, end), best in zip(spans, ends_inside, strict=True):
        if best == UNPLACED and end > start:
            best = _token_holding(offsets, end - 1)
            if best in genuine:  # that token ends inside a later step: it is that step's
                best = UNPLACED
        if best == UNPLACED or best <= last:
            placed.append(UNPLACED)
            continue
        placed.append(best)
        last = best
    return placed


def _token_holding(offsets: Sequence[tuple[int, int]], char: int) -> int:
    for i, (start, end) in enumerate(offsets):
        if start <= char < end:
            return i
    return UNPLACED


def truncate(step_tokens: Sequence[int], max_length: int | None) -> tuple[list[int], int]:
    """Drop the steps whose label token falls at or beyond ``max_length``.

    Returns the kept step tokens (dropped ones become ``UNPLACED``) and the sequence length to
    feed: right after the last kept step's label token (0 when no step is kept).
    """
    kept = [t if max_length is None or t < max_length else UNPLACED for t in step_tokens]
    placed = [t for t in kept if t != UNPLACED]
    return kept, (placed[-1] + 1 if placed else 0)


def encode_sample(
    tokenizer: Any,
    context: str,
    steps: Sequence[str],
    labels: Sequence[float | None] | None = None,
    max_length: int | None = None,
    neutral: Sequence[bool] | None = None,
) -> Encoded:
    """Tokenize ``context + steps`` and place each step's label token.

    ``labels`` (training): one value per leading step (``None``: that step is no target); steps
    beyond ``len(labels)`` are not fed. ``labels=None`` (scoring): every step is placed and fed.
    ``neutral`` (one flag per step): also mark the counted tokens (see the module docstring).
    """
    n = len(steps) if labels is None else min(len(labels), len(steps))
    text = context + "".join(steps[:n])
    enc = tokenizer(text, return_offsets_mapping=True, add_special_tokens=True, verbose=False)
    ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
    placed = place_steps(offsets, step_spans(len(context), steps[:n]))
    kept, length = truncate(placed, max_length)
    unplaced = sum(1 for t in placed if t == UNPLACED)
    full_length = max((t + 1 for t in placed if t != UNPLACED), default=0)
    targets = []
    if labels is not None:
        targets = [(t, float(v)) for t, v in zip(kept, labels, strict=False) if t != UNPLACED and v is not None]
    step_tokens = kept + [UNPLACED] * (len(steps) - n)
    return Encoded(
        input_ids=ids[:length],
        step_tokens=step_tokens,
        targets=targets,
        steps_truncated=sum(1 for p, k in zip(placed, kept, strict=True) if p != UNPLACED and k == UNPLACED),
        tokens_truncated=full_length - length,
        steps_unplaced=unplaced,
        counted=None if neutral is None else counted_tokens(offsets[:length], step_spans(len(context), steps[:n]), neutral),
    )


def counted_tokens(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]], neutral: Sequence[bool]) -> list[int]:
    """1 for each token that starts inside a step whose ``neutral`` flag is off (never token 0)."""
    out, k = [], 0
    for t, (start, end) in enumerate(offsets):
        while k < len(spans) and start >= spans[k][1]:
            k += 1
        inside = k < len(spans) and spans[k][0] <= start and end > start
        out.append(int(t > 0 and inside and not neutral[k]))
    return out

"""Scores from a causal LM's own token probabilities (the ``prm-label evaluate --likelihood``
baseline and the likelihood-head PRM): prefix minima, the threshold fit, the scorer's contract."""

from __future__ import annotations

import math
import re

import pytest

from prm_labeler.errors import InputError
from prm_labeler.trainer.likelihood import KAPPA, LikelihoodScorer, fit_threshold, prefix_minima, to_score
from prm_labeler.trainer.scoring import ScoreItem
from prm_labeler.world import shipped_policy
from prm_labeler.world.generator import generate


@pytest.fixture(scope="module")
def scorer():
    return LikelihoodScorer.load(shipped_policy())


def _steps(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _corrupt(line: str) -> str | None:
    """The line with its first number changed (a wrong constant, the tiny policy's usual mistake)."""
    m = re.search(r"\d+", line)
    if m is None:
        return None
    return line[: m.start()] + str(int(m.group()) + 3) + line[m.end() :]


def test_a_wrong_constant_scores_below_zero_from_its_line_on(scorer):
    detected = tried = 0
    for problem in generate(40, seed=77):
        if problem.kind != "int":
            continue
        steps = _steps(problem.body)
        k = next((i for i, s in enumerate(steps) if _corrupt(s) and i > 0), None)
        if k is None:
            continue
        bad = list(steps)
        bad[k] = _corrupt(steps[k])
        good_scores, bad_scores = scorer.score([ScoreItem(problem.prompt, steps), ScoreItem(problem.prompt, bad)])
        assert len(good_scores) == len(steps) and all(s is not None and -1 < s < 1 for s in good_scores)
        # causal: nothing before the changed line can see it
        assert bad_scores[:k] == pytest.approx(good_scores[:k], abs=1e-5)
        tried += 1
        detected += bad_scores[k] < 0 <= good_scores[k]
        # a prefix score: once the prefix holds the unlikely token, no longer prefix scores higher
        assert all(b <= bad_scores[k] + 1e-6 for b in bad_scores[k:])
    assert tried >= 8
    assert detected >= 0.8 * tried, (detected, tried)


def test_steps_past_max_length_are_unscored(scorer):
    problem = next(p for p in generate(20, seed=3) if len(p.ops) >= 4)
    steps = _steps(problem.body)
    full = scorer.step_minima([ScoreItem(problem.prompt, steps)])[0]
    fed = len(scorer.tokenizer(problem.prompt + "".join(steps[:2]))["input_ids"])
    short = LikelihoodScorer(scorer.model, scorer.tokenizer, max_length=fed)
    cut = short.step_minima([ScoreItem(problem.prompt, steps)])[0]
    assert cut[:2] == pytest.approx(full[:2], abs=1e-5)
    assert cut[2:] == [None] * (len(steps) - 2)


def test_fit_threshold_picks_the_separating_probability():
    # step minima (log-probs): wrong steps near p=0.1, right steps near p=0.9
    lp = math.log
    samples = [(-1, [lp(0.9), lp(0.85)]), (1, [lp(0.95), lp(0.1)]), (0, [lp(0.05), lp(0.9)]), (-1, [lp(0.8)])]
    tau, f1 = fit_threshold(samples)
    assert f1 == 1.0
    assert 0.1 <= tau < 0.8
    scores = [[to_score(v, tau) for v in row] for _, row in samples]
    assert [next((i for i, s in enumerate(r) if s < 0), -1) for r in scores] == [fe for fe, _ in samples]
    with pytest.raises(ValueError):
        fit_threshold([(-1, [None])])


def test_threshold_must_be_a_probability(scorer):
    with pytest.raises(InputError, match="likelihood-threshold"):
        LikelihoodScorer(scorer.model, scorer.tokenizer, threshold=1.5)


def test_prefix_minima_are_the_soft_minimum_of_the_counted_tokens_so_far():
    import torch

    torch.manual_seed(0)
    logits = torch.randn(2, 7, 11) * 3
    ids = torch.randint(0, 11, (2, 7))
    counted = torch.tensor([[0, 0, 0, 1, 1, 0, 1], [0, 1, 1, 1, 1, 0, 0]], dtype=torch.bool)  # 0: context, comment, padding
    m = prefix_minima(logits, ids, counted)
    lp = torch.log_softmax(logits, -1)
    for b in range(2):
        for t in range(7):
            js = [j for j in range(1, t + 1) if counted[b, j]]
            if not js:
                assert float(m[b, t]) > 100  # nothing counted yet
                continue
            x = torch.stack([lp[b, j - 1, ids[b, j]] for j in js])
            soft = -torch.logsumexp(-KAPPA * x, 0) / KAPPA
            assert float(m[b, t]) == pytest.approx(float(soft), abs=1e-4)
            assert float(soft) <= float(x.min()) + 1e-6 and float(x.min()) - float(soft) <= math.log(len(x)) / KAPPA + 1e-6
    # differentiable: the gradient reaches the logits that predict counted tokens only
    logits.requires_grad_(True)
    prefix_minima(logits, ids, counted)[0, 6].backward()
    assert logits.grad[0, [2, 3, 5]].abs().sum() > 0
    assert logits.grad[0, [0, 1, 4, 6]].abs().sum() == 0 and logits.grad[1].abs().sum() == 0
    # computed a few positions at a time (bounded float32 memory): the same values and gradients
    full = logits.grad.clone()
    for chunk in (1, 2, 4, 100):
        logits.grad = None
        chunked = prefix_minima(logits, ids, counted, chunk=chunk)
        assert torch.allclose(chunked, m, atol=1e-5)
        chunked[0, 6].backward()
        assert torch.allclose(logits.grad, full, atol=1e-6)
    half = prefix_minima(logits.detach().bfloat16(), ids, counted, chunk=3)  # bf16 logits: upcast per chunk
    assert half.dtype == torch.float32 and torch.allclose(half, m, atol=0.2)


def test_counted_tokens_skip_the_context_neutral_steps_and_token_zero():
    from prm_labeler.trainer.tokenize import counted_tokens, step_spans

    # context "ab", steps "cd" (code), "#e" (comment), "f"; one token per character
    offsets = [(i, i + 1) for i in range(7)]
    spans = step_spans(2, ["cd", "#e", "f"])
    assert counted_tokens(offsets, spans, [False, True, False]) == [0, 0, 1, 1, 0, 0, 1]
    assert counted_tokens(offsets, step_spans(0, ["ab", "cdefg"]), [False, False]) == [0, 1, 1, 1, 1, 1, 1]
    assert counted_tokens([(0, 0), (1, 3), (3, 5)], step_spans(2, ["xyz"]), [False]) == [0, 0, 1]  # (1, 3) straddles: context


def test_comment_steps_are_neutral(scorer):
    problem = next(p for p in generate(20, seed=4) if len(p.ops) >= 3)
    steps = _steps(problem.body)
    noisy = [*steps[:2], "    # zq zq 9 qz the weather is lovely\n", *steps[2:]]
    minima = scorer.step_minima([ScoreItem(problem.prompt, noisy)])[0]
    scores = scorer.score([ScoreItem(problem.prompt, noisy)])[0]
    assert scores[2] == 0.0  # a comment scores 0: no reward for writing one
    assert minima[2] == pytest.approx(minima[1], abs=1e-6)  # its unlikely tokens never count
    assert all(s is not None and s != 0.0 for i, s in enumerate(scores) if i != 2)

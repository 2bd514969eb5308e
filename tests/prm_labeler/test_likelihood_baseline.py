"""The policy-likelihood baseline (``prm-label evaluate --likelihood``): scores from the tiny
policy's own token probabilities, the threshold fit, and the CLI's contract."""

from __future__ import annotations

import math
import re

import pytest

from prm_labeler.errors import InputError
from prm_labeler.trainer.likelihood import LikelihoodScorer, fit_threshold, to_score
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


def test_a_wrong_constant_scores_below_zero_on_its_own_line_only(scorer):
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
    assert tried >= 8
    assert detected >= 0.8 * tried, (detected, tried)


def test_steps_past_max_length_are_unscored(scorer):
    problem = next(p for p in generate(20, seed=3) if len(p.ops) >= 4)
    steps = _steps(problem.body)
    full = scorer.step_logprobs([ScoreItem(problem.prompt, steps)])[0]
    fed = len(scorer.tokenizer(problem.prompt + "".join(steps[:2]))["input_ids"])
    short = LikelihoodScorer(scorer.model, scorer.tokenizer, max_length=fed)
    cut = short.step_logprobs([ScoreItem(problem.prompt, steps)])[0]
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

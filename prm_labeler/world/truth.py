"""Ground truth for the tiny world: the first line of a sample from which no correct program exists.

For a sample with steps s_1..s_L (split exactly as ``collect`` splits it), prefix k (its first k
steps) is *completable* when some suffix of the canonical solution finishes it into a passing
program *the natural way*: after a prefix holding j code lines, the canonical lines j+1..n (the
rest of the spec, one line per operation) give the expected output on every test input. A wrong
line is therefore an error unless the operations after it erase the difference on the tests
(``% 3`` after a ``+ 3``: then the spec's own continuation passes, and so does the label rule's
search); a line that only an extra fix-up line could repair is an error (no correct solution
written one line per operation starts that way). Once the prefix has returned, only the output
itself counts. As in the label rule, the full sample as written (prefix L) counts as
completable only when it passes its tests.

The first error of a failing sample is the first step whose prefix is not completable: the label
the binary search should find; a sample that passes has none. Each prefix is judged in the sandbox (the sample is model output) as the program
``preamble + s_1..s_k + "return <var>"``; the judge applies the canonical suffixes to what it
returns (trusted code on plain values) and asserts that one of them gives the expected outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prm_labeler.errors import InputError
from prm_labeler.problems import Problem
from prm_labeler.steps import StepSplit, split_solution
from sandbox import AssertTests, Job, Sandbox

RETURN = re.compile(r"^\s+return\b", re.MULTILINE)


@dataclass(frozen=True)
class Truth:
    problem_id: str
    solution: str
    steps: tuple[str, ...]
    first_error_step: int  # 0-based step index; -1 when the sample passes its tests
    completable: tuple[bool, ...]  # prefix k = 1..L
    comments: tuple[bool, ...] = ()  # per step: a comment step (label 0), as collect splits it


def world_meta(problem: Problem, source: str | Path | None = None) -> dict[str, Any]:
    """The world's fields of a problem's metadata; ``source`` (the problems file) names the
    file in the error when the problem is not a world problem."""
    meta = problem.metadata
    if not isinstance(meta, dict) or "states" not in meta or "var" not in meta:
        raise InputError(source, f"problem {problem.problem_id} is not a tiny-world problem (no metadata.states)", field="metadata")
    return meta


def _suffix_tests(meta: dict[str, Any], done: int, returned: bool) -> AssertTests:
    """Passes when the canonical operations after the first ``done``, applied judge-side to what
    the candidate's prefix returns, give the expected output on every test input (once the
    prefix has returned: the output itself)."""
    var, ops = meta["var"], meta["ops"]
    defs = "".join(f"def _op{i}({var}):\n    {line}\n    return {var}\n" for i, line in enumerate(ops))
    start = len(ops) if returned else min(done, len(ops))
    code = (
        defs
        + f"_ops = [{', '.join(f'_op{i}' for i in range(len(ops)))}]\n"
        + f"_inputs = {meta['inputs']!r}\n"
        + f"_want = {meta['states'][-1]!r}\n"
        + "def _finish(v, j):\n    for op in _ops[j:]:\n        v = op(v)\n    return v\n"
        + "_got = [f(a) for a in _inputs]\n"
        + f"assert [_finish(g, {start}) for g in _got] == _want\n"
    )
    return AssertTests(test_code=code, functions=("f",))


def prefix_jobs(problem: Problem, solution: str, timeout: float = 5.0) -> tuple[StepSplit, list[Job]]:
    """The split of ``solution`` and one job per prefix k = 1..L (the last is the sample itself)."""
    meta = world_meta(problem)
    split = split_solution(solution, problem.solution_prefix)
    steps = split.steps
    jobs = []
    for k in range(1, len(steps) + 1):
        body = "".join(steps[:k])
        if k == len(steps):  # the sample as collect judges it: preamble + every step
            jobs.append(Job(problem.program(split.program), problem.tests, timeout, problem.problem_id))
            continue
        text = split.preamble + body + ("" if body.endswith("\n") else "\n") + f"    return {meta['var']}\n"
        jobs.append(Job(problem.program(text), _suffix_tests(meta, sum(not c for c in split.comments[:k]), bool(RETURN.search(body))), timeout, problem.problem_id))
    return split, jobs


def ground_truth(problems: dict[str, Problem], samples: Iterable[tuple[str, str]], sandbox: Sandbox) -> list[Truth]:
    """Ground truth for (problem_id, solution) pairs, in order."""
    plan = []
    jobs: list[Job] = []
    for pid, solution in samples:
        if pid not in problems:
            raise InputError(None, f"sample of unknown problem {pid!r}", field="problem_id")
        split, js = prefix_jobs(problems[pid], solution)
        plan.append((pid, solution, split, len(jobs), len(js)))
        jobs += js
    verdicts = sandbox.run(jobs)
    bad = next((v for v in verdicts if v.status == "error"), None)
    if bad is not None:
        raise RuntimeError(f"sandbox error while computing ground truth for {bad.key}: {bad.reason} ({bad.detail})")
    out = []
    for pid, solution, split, start, count in plan:
        ok = tuple(v.passed for v in verdicts[start: start + count])
        # a sample that passes its tests is a solution, every line +1 (the label rule), even
        # when it took another road than the spec's one line per operation
        first = -1 if not ok or ok[-1] else next(k for k, good in enumerate(ok) if not good)
        out.append(Truth(pid, solution, split.steps, first, ok, split.comments))
    return out


@dataclass
class Agreement:
    samples: int = 0
    failing: int = 0  # samples that fail their tests (truth)
    exact: int = 0  # first_error_step equal to the truth (passing samples: both -1)
    exact_failing: int = 0
    too_early: int = 0  # labeled error before the true first error
    too_late: int = 0
    unsolvable: int = 0  # labeler gave up (no completable prefix at all)

    unsolvable_failing: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        rate = lambda a, b: a / b if b else None
        d["exact_rate"] = rate(self.exact, self.samples)
        d["exact_rate_failing"] = rate(self.exact_failing, self.failing)
        # the samples that carry labels (the paper leaves "unsolvable" ones out)
        d["labeled"] = self.samples - self.unsolvable
        d["exact_rate_labeled"] = rate(self.exact, self.samples - self.unsolvable)
        d["exact_rate_labeled_failing"] = rate(self.exact_failing, self.failing - self.unsolvable_failing)
        return d


def agreement(labeled: Sequence[int], truths: Sequence[Truth], finish_reasons: Sequence[str] | None = None) -> Agreement:
    """Compare labeled first-error steps (-1 none) with the truth, sample by sample."""
    a = Agreement()
    for i, (got, t) in enumerate(zip(labeled, truths, strict=True)):
        a.samples += 1
        failing = t.first_error_step >= 0
        a.failing += failing
        if finish_reasons is not None and finish_reasons[i] == "unsolvable":
            a.unsolvable += 1
            a.unsolvable_failing += failing
            continue
        if got == t.first_error_step:
            a.exact += 1
            a.exact_failing += failing
        elif got == -1 or (t.first_error_step >= 0 and got > t.first_error_step):
            a.too_late += 1
        else:
            a.too_early += 1
    return a

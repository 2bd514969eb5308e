"""The tiny world's problems and ground truth, checked on hand-made wrong solutions."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from typer.testing import CliRunner

from cli.app import app
from prm_labeler.problems import load_problem_map
from prm_labeler.world.generator import (
    MAX_OPS,
    MIN_OPS,
    generate,
    make_problem,
    write_problems,
)
from prm_labeler.world.truth import agreement, ground_truth
from sandbox import Sandbox
from tests.conftest import assert_one_line_error

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("world") / "problems.jsonl"
    write_problems(str(path), 60, seed=7)
    return path, load_problem_map(str(path), "jsonl")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=2) as sb:
        yield sb


def test_generation_is_reproducible_and_varied():
    a = [p.record() for p in generate(300, seed=3)]
    assert a == [p.record() for p in generate(300, seed=3)]
    assert a != [p.record() for p in generate(300, seed=4)]
    lengths = {len(r["metadata"]["ops"]) for r in a}
    assert lengths == set(range(MIN_OPS, MAX_OPS + 1))  # 3 to 15 lines with the return
    assert {r["metadata"]["kind"] for r in a} == {"int", "list", "str"}
    assert len({tuple(r["metadata"]["ops"]) for r in a}) == len(a)


def test_every_line_changes_what_the_tests_see():
    r = random.Random(0)
    for i in range(200):
        p = make_problem(r, f"p{i}")
        states = p.states()
        for before, after in itertools.pairwise(states):
            assert before != after  # no line is a no-op on the test inputs
            assert len({json.dumps(v) for v in after}) >= 4  # outputs stay informative


def test_references_pass_in_the_sandbox_and_have_no_error(world, sandbox):
    _, problems = world
    truths = ground_truth(problems, [(pid, p.reference) for pid, p in problems.items()], sandbox)
    assert all(t.first_error_step == -1 and all(t.completable) for t in truths)
    assert all(len(t.steps) == len(problems[t.problem_id].metadata["ops"]) + 1 for t in truths)


def _mutate(problem, line: int, new: str) -> str:
    """The reference with body line ``line`` (0-based) replaced."""
    head, body = problem.prompt, problem.reference[len(problem.prompt):].splitlines(keepends=True)
    body[line] = "    " + new + "\n"
    return head + "".join(body)


def test_first_error_is_the_first_wrong_line(world, sandbox):
    _, problems = world
    cases, want = [], []
    for pid, p in list(problems.items())[:20]:
        ops, var = p.metadata["ops"], p.metadata["var"]
        k = len(ops) // 2
        wrong = {"x": "x = x + 100", "xs": "xs = xs + [100]", "s": 's = s + "zz"'}[var]
        cases.append((pid, _mutate(p, k, wrong)))
        want.append(k)
        # a missing return: every line right, the program returns None -> blamed on the last step
        cases.append((pid, p.reference.replace(f"    return {var}\n", "")))
        want.append(len(ops) - 1)
        # an equivalent rewrite of a line is not an error: `x = 3 + x` for `x = x + 3`, etc.
        cases.append((pid, _mutate(p, 0, f"{var} = ({ops[0].split(' = ', 1)[1]})")))
        want.append(-1)
        # a line that raises is the error
        cases.append((pid, _mutate(p, 0, f"{var} = {var} / 0")))
        want.append(0)
    truths = ground_truth(problems, cases, sandbox)
    assert [t.first_error_step for t in truths] == want


def test_truth_follows_the_spec_line_by_line(sandbox, tmp_path):
    """Prefix k is completable when the spec's remaining lines finish it: a wrong line that the
    later operations erase on the tests is no error, one that needs a fix-up line is."""
    path = tmp_path / "p.jsonl"
    from prm_labeler.world.generator import Op, WorldProblem

    p = WorldProblem("t/0", "int", (Op("add 2", "x = x + 2", lambda v: v + 2), Op("add 3", "x = x + 3", lambda v: v + 3),
                                    Op("multiply by 2", "x = x * 2", lambda v: v * 2), Op("take it mod 5", "x = x % 5", lambda v: v % 5)),
                     (1, 2, 3, 4, 5, 6))
    path.write_text(json.dumps(p.record()) + "\n")
    problems = load_problem_map(str(path), "jsonl")
    head, tail = p.prompt, "    x = x * 2\n    x = x % 5\n    return x\n"
    erased = head + "    x = x + 7\n    x = x + 3\n    x = x * 2\n    x = x % 3\n    return x\n"  # (x+10)*2 % 5 == (x+5)*2 % 5
    wrong = head + "    x = x - 2\n    x = x + 3\n" + tail  # needs a fix-up line: an error
    swapped = head + "    x = x + 3\n    x = x + 2\n" + tail  # another road to a passing program
    t_erased, t_wrong, t_swapped = ground_truth(problems, [("t/0", erased), ("t/0", wrong), ("t/0", swapped)], sandbox)
    assert t_erased.completable[:3] == (True, True, True) and t_erased.first_error_step == 3  # the % 3 line
    assert t_wrong.completable == (False,) * 5 and t_wrong.first_error_step == 0
    assert t_swapped.first_error_step == -1 and t_swapped.completable[0] is False  # it passes: a solution


def test_agreement_counts():
    from prm_labeler.world.truth import Truth

    truths = [Truth("a", "", ("",) * 4, fe, ()) for fe in (-1, 2, 2, 2, 1)]
    a = agreement([-1, 2, 1, 3, -1], truths, ["solution", "found_error", "found_error", "found_error", "unsolvable"])
    assert (a.samples, a.failing, a.exact, a.exact_failing, a.too_early, a.too_late, a.unsolvable) == (5, 4, 2, 1, 1, 1, 1)
    d = a.as_dict()
    assert d["labeled"] == 4 and d["exact_rate_labeled"] == 0.5 and d["exact_rate_labeled_failing"] == 1 / 3


def test_cli_problems_and_errors(tmp_path):
    out = tmp_path / "w.jsonl"
    res = runner.invoke(app, ["world", "problems", "--out", str(out), "--n", "5", "--seed", "3"])
    assert res.exit_code == 0, res.stderr
    assert [json.loads(line)["problem_id"] for line in out.read_text().splitlines()] == [f"world/3/{i}" for i in range(5)]
    assert_one_line_error(runner.invoke(app, ["world", "problems", "--out", str(tmp_path / "x.jsonl"), "--n", "0"]), "--n")
    assert_one_line_error(runner.invoke(app, ["world", "problems", "--out", str(tmp_path / "x.jsonl"), "--seed", "1000000"]), "--seed")
    assert not (tmp_path / "x.jsonl").exists()


def test_cli_truth_refuses_problems_that_are_not_the_world(tmp_path):
    probs = tmp_path / "own.jsonl"
    probs.write_text(json.dumps({"problem_id": "own/1", "prompt": "def g(a):\n", "solution_prefix": "def g(a):\n",
                                 "tests": {"style": "assert", "test_code": "assert g(1) == 1\n", "functions": ["g"]}}) + "\n")
    (tmp_path / "labels").mkdir()
    res = runner.invoke(app, ["world", "truth", "--problems", str(probs), "--data", str(tmp_path / "labels")])
    assert_one_line_error(res, "own.jsonl", "metadata", "own/1")

"""The tiny world's problems: short pipelines of operations on one variable, one line per operation.

A problem is a function ``f`` whose docstring lists operations, one per line, applied in order
to its argument; the canonical solution writes one statement per operation and returns the
variable::

    def f(x):
        \"\"\"
        add 3
        multiply by 2
        subtract 5
        \"\"\"
        x = x + 3
        x = x * 2
        x = x - 5
        return x

Three kinds: integers (``x``), lists of integers (``xs``) and strings (``s``), each with its own
operations and constants, 2 to 14 operations (3 to 15 lines). The tests call ``f`` on a handful of
inputs (assert style). Every canonical intermediate state on those inputs is known, which makes
per-line ground truth computable (see ``truth.py``): a prefix of a solution can be completed to a
passing program by a suffix of the canonical solution exactly when its variable, after the
prefix, equals the canonical state after some number of operations on every test input.

Everything here is a pure function of a seed: ``generate(n, seed)`` gives the same problems on
every machine.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("int", "list", "str")
VARS = {"int": "x", "list": "xs", "str": "s"}
MIN_OPS, MAX_OPS = 2, 14
MIN_DISTINCT = 4  # distinct values among the test inputs after every operation
N_INPUTS = 6
WORLD_FORMAT = "prm-label tiny world v1"


@dataclass(frozen=True)
class Op:
    phrase: str  # the docstring line
    line: str  # the canonical statement (without indentation)
    apply: Callable[[Any], Any]


def _int_ops(r: random.Random) -> list[Callable[[], Op]]:
    c = lambda lo, hi: r.randint(lo, hi)

    def add() -> Op:
        k = c(1, 9)
        return Op(f"add {k}", f"x = x + {k}", lambda v: v + k)

    def sub() -> Op:
        k = c(1, 9)
        return Op(f"subtract {k}", f"x = x - {k}", lambda v: v - k)

    def mul() -> Op:
        k = c(2, 5)
        return Op(f"multiply by {k}", f"x = x * {k}", lambda v: v * k)

    def fdiv() -> Op:
        k = c(2, 5)
        return Op(f"floor-divide by {k}", f"x = x // {k}", lambda v: v // k)

    def mod() -> Op:
        k = c(2, 9)
        return Op(f"take it mod {k}", f"x = x % {k}", lambda v: v % k)

    def neg() -> Op:
        return Op("negate it", "x = -x", lambda v: -v)

    def absolute() -> Op:
        return Op("take the absolute value", "x = abs(x)", abs)

    def at_least() -> Op:
        k = c(-5, 9)
        return Op(f"make it at least {k}", f"x = max(x, {k})", lambda v: max(v, k))

    def at_most() -> Op:
        k = c(-5, 9)
        return Op(f"make it at most {k}", f"x = min(x, {k})", lambda v: min(v, k))

    return [add, sub, mul, fdiv, mod, neg, absolute, at_least, at_most]


def _list_ops(r: random.Random) -> list[Callable[[], Op]]:
    c = lambda lo, hi: r.randint(lo, hi)

    def add_each() -> Op:
        k = c(1, 9)
        return Op(f"add {k} to each", f"xs = [v + {k} for v in xs]", lambda xs: [v + k for v in xs])

    def mul_each() -> Op:
        k = c(2, 5)
        return Op(f"multiply each by {k}", f"xs = [v * {k} for v in xs]", lambda xs: [v * k for v in xs])

    def keep_above() -> Op:
        k = c(-5, 5)
        return Op(f"keep those above {k}", f"xs = [v for v in xs if v > {k}]", lambda xs: [v for v in xs if v > k])

    def keep_below() -> Op:
        k = c(-5, 9)
        return Op(f"keep those below {k}", f"xs = [v for v in xs if v < {k}]", lambda xs: [v for v in xs if v < k])

    def keep_even() -> Op:
        return Op("keep the even ones", "xs = [v for v in xs if v % 2 == 0]", lambda xs: [v for v in xs if v % 2 == 0])

    def keep_odd() -> Op:
        return Op("keep the odd ones", "xs = [v for v in xs if v % 2 == 1]", lambda xs: [v for v in xs if v % 2 == 1])

    def sort() -> Op:
        return Op("sort them", "xs = sorted(xs)", sorted)

    def sort_desc() -> Op:
        return Op("sort them descending", "xs = sorted(xs, reverse=True)", lambda xs: sorted(xs, reverse=True))

    def reverse() -> Op:
        return Op("reverse them", "xs = xs[::-1]", lambda xs: xs[::-1])

    def drop() -> Op:
        k = c(1, 3)
        return Op(f"drop the first {k}", f"xs = xs[{k}:]", lambda xs: xs[k:])

    def take() -> Op:
        k = c(1, 6)
        return Op(f"keep the first {k}", f"xs = xs[:{k}]", lambda xs: xs[:k])

    def append() -> Op:
        k = c(0, 9)
        return Op(f"append {k}", f"xs = xs + [{k}]", lambda xs: xs + [k])

    def prepend() -> Op:
        k = c(0, 9)
        return Op(f"prepend {k}", f"xs = [{k}] + xs", lambda xs: [k] + xs)

    return [add_each, mul_each, keep_above, keep_below, keep_even, keep_odd, sort, sort_desc, reverse, drop, take, append, prepend]


LETTERS = "abcde"


def _str_ops(r: random.Random) -> list[Callable[[], Op]]:
    def word() -> str:
        return "".join(r.choice(LETTERS) for _ in range(r.randint(1, 2)))

    def upper() -> Op:
        return Op("uppercase it", "s = s.upper()", str.upper)

    def lower() -> Op:
        return Op("lowercase it", "s = s.lower()", str.lower)

    def reverse() -> Op:
        return Op("reverse it", "s = s[::-1]", lambda s: s[::-1])

    def append() -> Op:
        w = word()
        return Op(f"append {w}", f's = s + "{w}"', lambda s: s + w)

    def prepend() -> Op:
        w = word()
        return Op(f"prepend {w}", f's = "{w}" + s', lambda s: w + s)

    def replace() -> Op:
        a, b = r.sample(LETTERS, 2)
        return Op(f"replace {a} with {b}", f's = s.replace("{a}", "{b}")', lambda s: s.replace(a, b))

    def drop() -> Op:
        k = r.randint(1, 3)
        return Op(f"drop the first {k} letters", f"s = s[{k}:]", lambda s: s[k:])

    def take() -> Op:
        k = r.randint(1, 6)
        return Op(f"keep the first {k} letters", f"s = s[:{k}]", lambda s: s[:k])

    return [upper, lower, reverse, append, prepend, replace, drop, take]


OPS = {"int": _int_ops, "list": _list_ops, "str": _str_ops}


def _inputs(kind: str, r: random.Random, count: int = N_INPUTS) -> list[Any]:
    if kind == "int":
        return r.sample(range(-30, 31), count)
    if kind == "list":
        return [[r.randint(-9, 9) for _ in range(r.randint(2, 9))] for _ in range(count)]
    return ["".join(r.choice(LETTERS + "AB") for _ in range(r.randint(0, 7))) for _ in range(count)]


@dataclass(frozen=True)
class WorldProblem:
    problem_id: str
    kind: str
    ops: tuple[Op, ...]
    inputs: tuple[Any, ...]

    @property
    def var(self) -> str:
        return VARS[self.kind]

    @property
    def prompt(self) -> str:
        doc = "".join(f"    {op.phrase}\n" for op in self.ops)
        return f'def f({self.var}):\n    """\n{doc}    """\n'

    @property
    def body(self) -> str:
        return "".join(f"    {op.line}\n" for op in self.ops) + f"    return {self.var}\n"

    @property
    def reference(self) -> str:
        return self.prompt + self.body

    def states(self) -> list[list[Any]]:
        """states[j][i]: the variable after j operations on input i (j = 0..len(ops))."""
        cur = [json.loads(json.dumps(a)) for a in self.inputs]
        out = [list(cur)]
        for op in self.ops:
            cur = [op.apply(v) for v in cur]
            out.append(list(cur))
        return out

    def test_code(self) -> str:
        final = self.states()[-1]
        return "".join(f"assert f({a!r}) == {b!r}\n" for a, b in zip(self.inputs, final))

    def record(self) -> dict[str, Any]:
        """The problem as a line of prm-label's own JSONL format (``--format jsonl``)."""
        return {
            "problem_id": self.problem_id,
            "prompt": self.prompt,
            "solution_prefix": self.prompt,
            "entry_point": "f",
            "reference": self.reference,
            "tests": {"style": "assert", "test_code": self.test_code(), "functions": ["f"]},
            "metadata": {
                "world": WORLD_FORMAT,
                "kind": self.kind,
                "var": self.var,
                "ops": [op.line for op in self.ops],
                "inputs": list(self.inputs),
                "states": self.states(),
            },
        }


def make_problem(r: random.Random, problem_id: str, kind: str | None = None, n_ops: int | None = None) -> WorldProblem:
    """Operations drawn one at a time; one is redrawn when it would change nothing on the test
    inputs or leave fewer than 4 distinct values among them, so every line matters to the tests
    and a wrong line usually shows in the output."""
    kind = kind or r.choice(KINDS)
    n_ops = n_ops or r.randint(MIN_OPS, MAX_OPS)
    makers = OPS[kind](r)
    inputs = _inputs(kind, r)
    state = [json.loads(json.dumps(a)) for a in inputs]
    ops: list[Op] = []
    for _ in range(n_ops):
        for _attempt in range(64):
            op = r.choice(makers)()
            new = [op.apply(v) for v in state]
            if new != state and len({json.dumps(v) for v in new}) >= MIN_DISTINCT:
                break
        else:
            break  # nothing keeps the state informative: a shorter problem
        ops.append(op)
        state = new
    if len(ops) < MIN_OPS:  # rare: start again from the next draws
        return make_problem(r, problem_id, kind, n_ops)
    return WorldProblem(problem_id, kind, tuple(ops), tuple(inputs))


def generate(n: int, seed: int, prefix: str = "world") -> Iterator[WorldProblem]:
    """``n`` problems from ``seed``; ids ``{prefix}/{seed}/{i}``. Same seed, same problems."""
    r = random.Random(f"prm-label-world:{seed}")
    for i in range(n):
        yield make_problem(r, f"{prefix}/{seed}/{i}")


def write_problems(path: str, n: int, seed: int) -> int:
    from prm_labeler.arrow_files import atomic_write_text

    lines = [json.dumps(p.record(), sort_keys=True) for p in generate(n, seed)]
    atomic_write_text(Path(path), "".join(line + "\n" for line in lines))
    return len(lines)

"""`prm-label train | score | evaluate` end to end on the tiny local model and a synthetic set.

The set (tests/prm_synthetic.py): 20 problems x 3 samples; the first step holding ``BUG`` is the
first error. One training run (60 steps, a few seconds on one thread) is shared by the tests of
the module; the loss must fall and the PRM must beat chance on the held-out problems.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from prm_labeler.dataset import load, make_sample_id
from tests.conftest import assert_one_line_error
from tests.prm_synthetic import write_synthetic

runner = CliRunner()


def _ok(res) -> None:  # noqa: ANN001
    assert res.exit_code == 0, (res.stdout, res.stderr)



@pytest.fixture(scope="module")
def run(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import torch

    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("prm")
    data = write_synthetic(base / "data")
    out = base / "prm"
    res = runner.invoke(app, [
        "train", "--data", str(data), "--model", str(tiny_model_dir), "--out", str(out),
        "--max-steps", "60", "--learning-rate", "1e-3", "--batch-size", "8", "--logging-steps", "5",
        "--eval-fraction", "0.25", "--save-steps", "0", "--torch-threads", "1", "--seed", "0",
    ])
    _ok(res)
    assert res.stdout == ""  # logs on stderr only
    assert "held-out problems" in res.stderr and "PRM saved to" in res.stderr
    return {"base": base, "data": data, "out": out, "tiny": tiny_model_dir}


def test_train_loss_falls_and_saves_a_standard_token_classifier(run: dict[str, Path]) -> None:
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    out = run["out"]
    info = json.loads((out / "prm_train.json").read_text())
    losses = [e["loss"] for e in info["log_history"] if "loss" in e]
    assert len(losses) == 12 and losses[-1] < losses[0] / 5, losses
    assert info["eval_loss"] < 0.5
    assert info["data"]["train"]["excluded_unsolvable"] + info["data"]["heldout"]["excluded_unsolvable"] == 6
    assert info["throughput"]["real_tokens"] <= info["throughput"]["padded_tokens"]

    model = AutoModelForTokenClassification.from_pretrained(out)
    assert type(model).__name__ == "Qwen2ForTokenClassification"
    assert model.config.num_labels == 1 and model.config.prm_label["loss"] == "mse"
    assert AutoTokenizer.from_pretrained(out).is_fast
    assert not list(out.glob("checkpoint-*")) and not (out / ".prm_cache").exists()

    heldout = set(info["heldout_problems"])
    assert len(heldout) == 5
    ds = load(run["data"])
    train_problems = set(ds["problem_id"]) - heldout
    assert train_problems and info["data"]["train"]["samples"] + info["data"]["heldout"]["samples"] == 54


def test_evaluate_on_heldout_problems_beats_chance(run: dict[str, Path], tmp_path: Path) -> None:
    report_path = tmp_path / "eval.json"
    res = runner.invoke(app, ["evaluate", "--model", str(run["out"]), "--data", str(run["data"]),
                              "--split", "heldout", "--json", "--out", str(report_path)])
    _ok(res)
    report = json.loads(res.stdout)
    assert report == json.loads(report_path.read_text())
    assert report["samples"] == 15 and report["split"] == "heldout"
    assert report["step"]["auroc_wrong"] > 0.7, report
    assert report["processbench"]["f1"] > 0.5, report
    assert report["best_of_n"]["prm"]["min"] >= report["best_of_n"]["random"]
    assert report["r2"]["min"] is not None

    table = runner.invoke(app, ["evaluate", "--model", str(run["out"]), "--data", str(run["data"])])
    _ok(table)
    assert "| AUROC, step is wrong |" in table.stdout and "60 samples" in table.stdout


def test_score_a_dataset(run: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "scores.jsonl"
    res = runner.invoke(app, ["score", "--model", str(run["out"]), "--data", str(run["data"]), "--out", str(out),
                              "--batch-size", "7"])
    _ok(res)
    assert "scored 60 samples" in res.stderr and res.stdout == ""
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ds = load(run["data"])
    assert [r["sample_id"] for r in records] == ds["sample_id"]
    for rec, steps in zip(records, ds["steps"], strict=True):
        assert len(rec["step_scores"]) == len(steps) == rec["n_steps"] == rec["n_scored"] == len(rec["dense_rewards"])
        assert all(-1.0 <= s <= 1.0 for s in rec["step_scores"])
        assert rec["min"] == min(rec["step_scores"]) and rec["last"] == rec["step_scores"][-1]
        assert rec["dense_rewards"][0] == pytest.approx(rec["step_scores"][0] / len(steps))
        assert {"product", "mean"} <= rec.keys()


def _problems_file(path: Path, rows: list[dict]) -> Path:
    with path.open("w") as f:
        for pid, prompt in sorted({(r["problem_id"], r["prompt"]) for r in rows}):
            f.write(json.dumps({"problem_id": pid, "prompt": prompt, "solution_prefix": prompt,
                                "tests": {"style": "assert", "test_code": "assert True\n", "functions": [pid.replace("synth/", "task_")]}}) + "\n")
    return path


def test_score_a_solutions_file(run: dict[str, Path], tmp_path: Path) -> None:
    rows = [r for r in load(run["data"]).to_list() if r["problem_id"] in ("synth/0", "synth/1")]
    problems = _problems_file(tmp_path / "problems.jsonl", rows)
    solutions = tmp_path / "solutions.jsonl"
    with solutions.open("w") as f:
        for r in rows:  # completion only, then the full program repeating the prompt: same input
            f.write(json.dumps({"problem_id": r["problem_id"], "solution": r["solution"]}) + "\n")
            f.write(json.dumps({"problem_id": r["problem_id"], "solution": r["prompt"] + r["solution"]}) + "\n")
    out = tmp_path / "scores.jsonl"
    res = runner.invoke(app, ["score", "--model", str(run["out"]), "--solutions", str(solutions),
                              "--problems", str(problems), "--out", str(out)])
    _ok(res)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 * len(rows)
    for i, r in enumerate(rows):
        completion, full = records[2 * i], records[2 * i + 1]
        assert completion["problem_id"] == r["problem_id"] and len(completion["step_scores"]) == len(r["steps"])
        assert completion["step_scores"] == pytest.approx(full["step_scores"], abs=1e-5)
    index_in_problem = sum(1 for r in rows if r["problem_id"] == "synth/0") * 2
    assert records[0]["sample_id"] == make_sample_id("samples:solutions.jsonl", "synth/0", 0)
    assert records[index_in_problem]["sample_id"] == make_sample_id("samples:solutions.jsonl", "synth/1", 0)


def test_config_file_env_truncation_bce_and_resume(run: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoConfig

    config = tmp_path / "train.yaml"
    config.write_text("max-steps: 4\nmax_length: 40\nbatch-size: 4\nsave-steps: 2\nkeep-checkpoints: true\nlogging-steps: 1\nloss: mse\n")
    monkeypatch.setenv("PRM_LABEL_LOSS", "bce")  # env beats the YAML
    first = tmp_path / "first"
    res = runner.invoke(app, ["train", "--data", str(run["data"]), "--model", str(run["tiny"]), "--out", str(first),
                              "--config", str(config), "--learning-rate", "1e-3", "--torch-threads", "1"])
    _ok(res)
    info = json.loads((first / "prm_train.json").read_text())
    assert info["config"]["max_steps"] == 4 and info["config"]["loss"] == "bce" and info["config"]["max_length"] == 40
    assert info["data"]["train"]["steps_truncated"] > 0 and "cut by --max-length 40" in res.stderr
    assert AutoConfig.from_pretrained(first).prm_label["loss"] == "bce"
    assert sorted(p.name for p in first.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]

    # a killed run: only checkpoint-2 exists; the same command continues from it
    second = tmp_path / "second"
    second.mkdir()
    shutil.copytree(first / "checkpoint-2", second / "checkpoint-2")
    res = runner.invoke(app, ["train", "--data", str(run["data"]), "--model", str(run["tiny"]), "--out", str(second),
                              "--config", str(config), "--learning-rate", "1e-3", "--torch-threads", "1"])
    _ok(res)
    assert "resuming from" in res.stderr and "checkpoint-2" in res.stderr
    assert "step 1/4: loss" not in res.stderr and "step 3/4: loss" in res.stderr  # steps 1-2 came from the checkpoint
    steps = [e["step"] for e in json.loads((second / "prm_train.json").read_text())["log_history"] if "loss" in e]
    assert steps == [1, 2, 3, 4]


def test_likelihood_head_holds_out_checkpoints_and_resumes(run: dict[str, Path], tmp_path: Path) -> None:
    from transformers import AutoConfig

    args = ["train", "--data", str(run["data"]), "--model", str(run["tiny"]), "--head", "likelihood", "--max-steps", "4",
            "--batch-size", "4", "--save-steps", "2", "--keep-checkpoints", "--logging-steps", "1", "--eval-fraction", "0.25",
            "--learning-rate", "1e-3", "--torch-threads", "1"]
    first = tmp_path / "first"
    res = runner.invoke(app, [*args, "--out", str(first)])
    _ok(res)
    info = json.loads((first / "prm_train.json").read_text())
    config = AutoConfig.from_pretrained(first)
    assert config.architectures == ["Qwen2ForCausalLM"] and config.prm_label["head"] == "likelihood"
    assert config.prm_label["threshold"] == info["likelihood_threshold"]["threshold"]
    assert info["config"]["loss"] == "bce" and info["eval_loss"] is not None
    assert info["heldout_metrics"]["samples"] > 0 and "held-out problems" in res.stderr
    assert sorted(p.name for p in first.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]
    # killed after checkpoint-2: the same command continues, with the same threshold
    second = tmp_path / "second"
    second.mkdir()
    shutil.copytree(first / "checkpoint-2", second / "checkpoint-2")
    res = runner.invoke(app, [*args, "--out", str(second)])
    _ok(res)
    assert "resuming from" in res.stderr and "step 1/4: loss" not in res.stderr and "step 3/4: loss" in res.stderr
    assert AutoConfig.from_pretrained(second).prm_label["threshold"] == config.prm_label["threshold"]
    # a given threshold is used as is, and continuing a likelihood-head PRM keeps its own
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "given"), "--likelihood-threshold", "0.25", "--save-steps", "0"])
    _ok(res)
    assert AutoConfig.from_pretrained(tmp_path / "given").prm_label["threshold"] == 0.25
    res = runner.invoke(app, [*args[:4], str(tmp_path / "given"), *args[5:], "--out", str(tmp_path / "more"), "--save-steps", "0"])
    _ok(res)
    assert AutoConfig.from_pretrained(tmp_path / "more").prm_label["threshold"] == 0.25


# --- bad input: one line naming the file or field, exit 2 -----------------------------------------


def test_train_bad_inputs(run: dict[str, Path], tmp_path: Path) -> None:
    data, tiny = str(run["data"]), str(run["tiny"])
    empty = tmp_path / "empty"
    empty.mkdir()
    base = ["train", "--out", str(tmp_path / "o")]
    assert_one_line_error(runner.invoke(app, [*base, "--data", str(empty), "--model", tiny]), str(empty), "not a labeled dataset")
    assert_one_line_error(runner.invoke(app, [*base, "--data", data, "--model", str(tmp_path / "nope")]), "--model", "no such model directory")
    assert_one_line_error(runner.invoke(app, ["train", "--data", data, "--model", tiny, "--out", str(run["out"])]),
                    str(run["out"]), "already holds a trained model")
    assert_one_line_error(runner.invoke(app, [*base, "--data", data, "--model", tiny, "--loss", "hinge"]), "--loss", "hinge")
    assert_one_line_error(runner.invoke(app, [*base, "--data", data, "--model", tiny, "--eval-fraction", "1.5"]), "--eval-fraction")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("max-stepz: 3\n")
    assert_one_line_error(runner.invoke(app, [*base, "--data", data, "--model", tiny, "--config", str(bad_yaml)]), str(bad_yaml), "max-stepz")
    assert not (tmp_path / "o").exists()


def test_score_and_evaluate_bad_inputs(run: dict[str, Path], tmp_path: Path) -> None:
    data, prm, tiny = str(run["data"]), str(run["out"]), str(run["tiny"])
    out = tmp_path / "s.jsonl"
    nomodel = tmp_path / "nomodel"
    nomodel.mkdir()
    assert_one_line_error(runner.invoke(app, ["score", "--model", str(nomodel), "--data", data, "--out", str(out)]), str(nomodel), "no config.json")
    assert_one_line_error(runner.invoke(app, ["score", "--model", tiny, "--data", data, "--out", str(out)]), "num_labels", "got 2")
    assert_one_line_error(runner.invoke(app, ["score", "--model", prm, "--out", str(out)]), "--data/--solutions")
    assert_one_line_error(runner.invoke(app, ["score", "--model", prm, "--data", data, "--solutions", str(out), "--out", str(out)]), "--data/--solutions")
    assert_one_line_error(runner.invoke(app, ["score", "--model", prm, "--solutions", str(out), "--out", str(out)]), "--problems")

    rows = [r for r in load(run["data"]).to_list() if r["problem_id"] == "synth/0"]
    problems = _problems_file(tmp_path / "problems.jsonl", rows)
    solutions = tmp_path / "solutions.jsonl"
    solutions.write_text(json.dumps({"problem_id": "synth/0", "solution": "x = 1\n"}) + "\n" + json.dumps({"problem_id": "synth/0"}) + "\n")
    assert_one_line_error(runner.invoke(app, ["score", "--model", prm, "--solutions", str(solutions), "--problems", str(problems),
                                        "--out", str(out)]), "solutions.jsonl", "line 2", "'solution'")
    assert not out.exists() and not list(tmp_path.glob(".s.jsonl*"))

    assert_one_line_error(runner.invoke(app, ["evaluate", "--model", prm, "--data", str(nomodel)]), str(nomodel), "not a labeled dataset")
    assert_one_line_error(runner.invoke(app, ["evaluate", "--model", tiny, "--data", data, "--split", "heldout"]), "prm_train.json", "--split")
    assert_one_line_error(runner.invoke(app, ["evaluate", "--model", prm, "--data", data, "--split", "test"]), "--split")

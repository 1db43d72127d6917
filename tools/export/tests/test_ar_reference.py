"""tiny-ar reference/generation.json and reference/scores.json: structure, rules recomputed independently
(prompt template, stop rule, prefix_only window) and the numbers reproduced with onnxruntime (KV cache)."""

import json
import math

import numpy as np
import pytest
from tokenizers import Tokenizer

from conftest import REPO_ROOT
from ensemble_export.ar_reference import prefix_only_window
from ensemble_export.verify import OrtModel

D = REPO_ROOT / "test" / "fixtures" / "models" / "tiny-ar"
TOL = 1e-4  # per-token logprob, onnxruntime vs transformers

GEN_CASE_FIELDS = ["name", "prefix", "suffix", "prompt_ids", "max_new_tokens", "generated_ids", "stop_token",
                   "finish_reason", "text", "min_top1_gap"]
SCORE_FIELDS = ["token_ids", "logprobs", "sum_logprob", "token_count", "mean_nll", "perplexity"]


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_file(str(D / "tokenizer.json"))


@pytest.fixture(scope="module")
def manifest():
    return json.loads((D / "manifest.json").read_text())


@pytest.fixture(scope="module")
def ort_model():
    return OrtModel(D, threads=1)


@pytest.fixture(scope="module")
def gen():
    return json.loads((D / "reference" / "generation.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scores():
    return json.loads((D / "reference" / "scores.json").read_text(encoding="utf-8"))


def enc(tok, text):
    return tok.encode(text, add_special_tokens=False).ids


def expected_prompt(tok, manifest, prefix, suffix):
    if not suffix:
        return enc(tok, prefix)
    f = manifest["fim"]
    return [f["prefix"], *enc(tok, prefix), f["suffix"], *enc(tok, suffix), f["middle"]]


def log_softmax_at(row, i):
    row = np.asarray(row, np.float64)
    m = row.max()
    return float(row[i] - m - math.log(np.exp(row - m).sum()))


# ---------------------------------------------------------------- generation.json


def test_generation_structure(gen, tok, manifest):
    assert (gen["format"], gen["format_version"], gen["model"]) == ("ensemble-reference-generation", 1, "tiny-ar")
    assert gen["reference"].startswith("transformers ")
    assert gen["stop_ids"] == manifest["stop_ids"]
    assert gen["has_eos_case"] and gen["has_length_case"] and gen["missing_slots"] == []
    cases = gen["cases"]
    assert [c["name"] for c in cases] == ["plain_length", "plain_eos", "fim_eos", "fim_length",
                                          "fim_special_token_skipped"]
    assert any(c["suffix"] == "" for c in cases) and any(c["suffix"] for c in cases)
    assert {c["finish_reason"] for c in cases} == {"eos", "length"}
    for c in cases:
        assert list(c) == GEN_CASE_FIELDS
        assert c["prompt_ids"] == expected_prompt(tok, manifest, c["prefix"], c["suffix"])
        n = len(c["generated_ids"])
        assert not set(c["generated_ids"]) & set(manifest["stop_ids"])
        if c["finish_reason"] == "eos":
            assert c["stop_token"] in manifest["stop_ids"] and n < c["max_new_tokens"]
        else:
            assert c["stop_token"] is None and n == c["max_new_tokens"]
        assert c["text"] == tok.decode(c["generated_ids"], skip_special_tokens=True)
        assert c["min_top1_gap"] >= 1e-3
    special = [i for i, t in tok.get_added_tokens_decoder().items() if t.special]
    skipped = cases[-1]
    assert set(skipped["generated_ids"]) & set(special)


def test_generation_reproduces_with_onnxruntime_kv_cache(gen, ort_model, manifest):
    """What the TypeScript server does: prefill the prompt, then one token per step through the cache."""
    stop = set(manifest["stop_ids"])
    for c in gen["cases"]:
        ids = c["prompt_ids"]
        n = len(ids)
        logits, past = ort_model.causal([ids], np.ones((1, n)), np.arange(n)[None])
        row, out, stop_token = logits[0, -1], [], None
        for _ in range(c["max_new_tokens"]):
            t = int(np.argmax(row))
            if t in stop:
                stop_token = t
                break
            out.append(t)
            p = n + len(out) - 1  # position of the token just appended
            logits, past = ort_model.causal([[t]], np.ones((1, p + 1)), [[p]], past)
            row = logits[0, 0]
        assert out == c["generated_ids"], c["name"]
        assert stop_token == c["stop_token"], c["name"]
        assert ("eos" if stop_token is not None else "length") == c["finish_reason"]


# ---------------------------------------------------------------- scores.json


def test_scores_structure_and_rules(scores, tok, manifest):
    assert (scores["format"], scores["format_version"], scores["model"]) == ("ensemble-reference-scores", 1, "tiny-ar")
    assert "float64" in scores["reference"]
    modes = {c["mode"] for c in scores["cases"]}
    assert modes == {"fim", "prefix_only"}
    eos = manifest["special_ids"]["eos"]
    seen_empty = set()
    for c in scores["cases"]:
        for s in c["candidates"]:
            assert s["token_count"] == len(s["logprobs"]) == len(s["token_ids"])
            assert s["token_ids"] == s["input_ids"][s["from"]:s["to"] + 1]
            assert s["sum_logprob"] == pytest.approx(sum(s["logprobs"]), abs=1e-8)
            mean = -s["sum_logprob"] / s["token_count"] if s["token_count"] else 0.0
            assert s["mean_nll"] == pytest.approx(mean, abs=1e-8)
            assert s["perplexity"] == pytest.approx(math.exp(s["mean_nll"]), rel=1e-8)
            if c["mode"] == "fim":
                prompt = expected_prompt(tok, manifest, c["prefix"], c["suffix"])
                assert c["prompt_ids"] == prompt
                want = prompt + enc(tok, s["candidate"]) + ([eos] if c["include_eos"] else [])
                assert s["input_ids"] == want
                assert (s["from"], s["to"]) == (len(prompt), len(want) - 1)
                if s["candidate"] == "":
                    seen_empty.add(c["include_eos"])
                    assert s["token_count"] == (1 if c["include_eos"] else 0)
            else:
                assert not c["include_eos"]
                tokens = enc(tok, c["prefix"] + s["candidate"] + c["suffix"])
                start = len(enc(tok, c["prefix"])) - 1
                end = start + len(enc(tok, s["candidate"]))
                assert s["input_ids"] == tokens
                assert (s["start"], s["end"]) == (start, end)
                assert (s["from"], s["to"]) == (max(start + 1, 1), min(end, len(tokens) - 1))
    assert seen_empty == {False, True}


def test_prefix_only_seam_windows(scores, tok):
    """The seam cases, recomputed by hand: the window shifts onto suffix tokens / is clipped."""
    by_name = {c["name"]: c for c in scores["cases"]}

    # prefix ends with a space: encode(prefix) ends with " " alone, the joined text has " a" -> one token fewer
    c = by_name["prefix_only_seam_space"]
    s = c["candidates"][0]
    prefix_ids = enc(tok, c["prefix"])
    joined = enc(tok, c["prefix"] + s["candidate"] + c["suffix"])
    assert tok.id_to_token(prefix_ids[-1]) == "Ġ"  # byte-level " "
    joined_prefix_len = len(enc(tok, c["prefix"].rstrip(" ")))  # tokens before " a" in the joined text
    assert joined[joined_prefix_len] == tok.token_to_id("Ġa") and joined_prefix_len == len(prefix_ids) - 1
    assert s["seam_changes_count"] is True
    # the seed's window [len(prefix_ids), len(prefix_ids) + 2] skips " a" and takes the suffix's first token
    assert (s["from"], s["to"]) == (len(prefix_ids), len(prefix_ids) + 2)
    assert s["token_ids"] == joined[len(prefix_ids):len(prefix_ids) + 3]
    assert s["token_ids"][-1] == enc(tok, c["suffix"])[0]
    assert s["token_ids"] != enc(tok, s["candidate"])

    # partial word "ret" + "urn ...": window end past the last token, clipped to len(tokens) - 1
    s = by_name["prefix_only_seam_partial_word"]["candidates"][0]
    assert s["end"] > len(s["input_ids"]) - 1 == s["to"]
    assert s["token_count"] == s["to"] - s["from"] + 1 < s["candidate_token_count"]

    # aligned: the window is exactly the candidate's own tokens
    c = by_name["prefix_only_aligned"]
    for s in c["candidates"]:
        assert s["seam_changes_count"] is False and s["token_ids"] == enc(tok, s["candidate"])

    # empty prefix: start = -1, the first token (no context) is not scored
    for s in by_name["prefix_only_empty_prefix"]["candidates"]:
        assert (s["start"], s["from"]) == (-1, 1)
        assert s["token_ids"] == enc(tok, s["candidate"])[1:]

    # empty candidate: empty window
    s = [x for x in by_name["prefix_only_seam_space"]["candidates"] if x["candidate"] == ""][0]
    assert s["from"] > s["to"] and s["token_count"] == 0 and s["perplexity"] == 1.0

    # the library helper agrees with the hand computation
    w = prefix_only_window(tok, "def add(a, b):\n    return ", "a + b", "\n")
    assert (w["start"], w["end"], w["from"], w["to"]) == (10, 13, 11, 13)


def test_scores_reproduce_with_onnxruntime(scores, ort_model):
    for c in scores["cases"]:
        for s in c["candidates"]:
            ids = s["input_ids"]
            logits = ort_model.causal([ids], np.ones((1, len(ids))), np.arange(len(ids))[None])[0][0]
            got = [log_softmax_at(logits[j - 1], ids[j]) for j in range(s["from"], s["to"] + 1)]
            assert np.allclose(got, s["logprobs"], rtol=0, atol=TOL), (c["name"], s["candidate"])
            assert abs(sum(got) - s["sum_logprob"]) < TOL * max(1, len(got))

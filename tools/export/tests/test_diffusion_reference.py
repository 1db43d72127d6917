"""tiny-diffusion reference/denoise.json and the Open-dLLM sampler reference (ensemble_export/diffusion_reference.py):
bit-for-bit regeneration, schedule arithmetic (docs/REFERENCE.md section 2), loop / re-masking / tie / shift rules,
bidirectional attention, a literal port of the Open-dLLM code, and an onnxruntime replay of every recorded case."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer

from conftest import REPO_ROOT
from ensemble_export import diffusion_reference as dr
from ensemble_export.verify import OrtModel, hf_bidirectional

D = REPO_ROOT / "test" / "fixtures" / "models" / "tiny-diffusion"
FILE = D / "reference" / "denoise.json"
MASK = 489
ADD = ("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    import make_diffusion_reference as mk

    return mk.load(D, tmp_path_factory.mktemp("diffusion-ckpt"))  # (hf, tok, manifest); checks the sha256


@pytest.fixture(scope="module")
def doc():
    return json.loads(FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fwd(model):
    return dr.CachedForward(model[0])


# ---------------------------------------------------------------- regeneration


def test_regeneration_is_bit_identical(model):
    hf, tok, manifest = model
    assert dr.dump_json(dr.denoise_reference(hf, tok, manifest)) == FILE.read_text(encoding="utf-8"), (
        "reference/denoise.json is stale: run tools/export/make-fixtures.sh (or make_diffusion_reference.py for this file alone)"
    )


# ---------------------------------------------------------------- schedules


def test_p2_schedule_float32():
    # REFERENCE.md: floor(float32(N) * float32(1 - (i+1)/steps)), i.e. Math.floor(Math.fround(N * Math.fround(...)))
    assert dr.p2_schedule(108, 12) == [99, 90, 81, 72, 62, 54, 45, 36, 27, 18, 9, 0]
    assert dr.p2_schedule_f64(108, 12) == [99, 90, 81, 72, 62, 54, 44, 36, 27, 17, 9, 0]
    # REFERENCE.md's "i=4: 62 vs 63" is the float32 rule vs rounding only the product to float32
    assert float(np.float32(108 * (1 - 5 / 12))) == 63.0 and dr.p2_num_to_mask(108, 4, 12) == 62
    # 1 - (i+1)/steps is a Python (double) value cast once to float32; rounding kappa to float32 first is wrong
    assert dr.p2_schedule(3, 3) == [2, 1, 0] and dr.p2_schedule(9, 3) == [6, 3, 0]
    f32 = np.float32
    assert [int(np.floor(f32(3) * (f32(1) - f32((i + 1) / 3)))) for i in range(3)] == [1, 0, 0]
    # the literal expression of the published code
    num_positions = (~torch.tensor([[True] * 5 + [False] * 9 + [True] * 3])).sum(dim=1, keepdim=True)
    assert [int((num_positions.float() * (1 - (i + 1) / 3)).long()) for i in range(3)] == [6, 3, 0]
    for n, steps in [(108, 12), (64, 64), (37, 10), (2048, 128), (999, 77)]:
        fround = [int(np.floor(np.float32(np.float64(n) * np.float64(np.float32(1 - (i + 1) / steps)))))
                  for i in range(steps)]
        assert dr.p2_schedule(n, steps) == fround


def test_maskgit_schedule_float32():
    ts = dr.timesteps(12)
    assert ts.dtype == torch.float32 and ts[0] == 1.0 and float(ts[-1]) == float(np.float32(1e-3))
    assert dr.maskgit_schedule(2000, 2) == [998, 1002] and dr.maskgit_schedule_f64(2000, 2) == [999, 1001]
    assert dr.maskgit_schedule(1000, 3) == [333, 333, 334] and dr.maskgit_schedule_f64(1000, 3) == [332, 333, 335]
    for n, steps in [(16, 16), (9, 8), (1, 16), (100, 64)]:
        c = dr.maskgit_schedule(n, steps)
        assert sum(c) == n and len(c) == steps and c[-1] >= 1  # everything left goes on the last step


def test_expected_forwards_formula():
    for n in range(1, 40):
        for steps in range(1, 40):
            k = dr.p2_schedule(n, steps)
            # forwards = steps until the first k == 0 (that step commits everything), inclusive
            assert dr.expected_forwards("p2", n, steps) == k.index(0) + 1


def test_schedules_in_file(doc):
    s = doc["schedules"]
    p2 = {(e["n"], e["steps"]): e for e in s["p2"]}[(108, 12)]
    assert p2["k"][4] == 62 and p2["k_product_only"][4] == 63 and p2["k"][6] == 45 and p2["k_float64"][6] == 44
    three = {(e["n"], e["steps"]): e for e in s["p2"]}[(3, 3)]
    assert three["k"] == [2, 1, 0] and three["k_kappa_float32"] == [1, 0, 0]
    for e in s["p2"]:
        assert e["k"] == dr.p2_schedule(e["n"], e["steps"])
    for e in s["maskgit"]:
        assert e["ts"] == dr.timesteps(e["steps"]).tolist()
        assert e["counts"] == dr.maskgit_schedule(e["n"], e["steps"])
    for grid, fn in (("p2_grid", dr.p2_schedule), ("maskgit_grid", dr.maskgit_schedule)):
        g = s[grid]
        assert g["differing_pairs"]["float64"] > 0 and len(g["examples"]) == 50
        key = "k" if grid == "p2_grid" else "counts"
        for e in g["examples"][::7]:
            assert e[key] == fn(e["n"], e["steps"]) and e[key] != e[key + "_float64"]


# ---------------------------------------------------------------- loop rules


def test_loop_stops_when_no_mask_is_left(model, fwd):
    hf, tok, _ = model
    ids, start = dr.canvas(tok, MASK, *ADD, 4)
    run = dr.denoise(hf, ids, MASK, 16, "p2", forward=fwd)
    assert run.forwards == 13 == dr.expected_forwards("p2", 4, 16)  # 16 - ceil(16/4) + 1
    assert MASK not in run.ids and run.trace[-1]["k"] == 0
    plain = dr.encode(tok, ADD[0] + "a + b" + ADD[1])
    for alg in dr.DENOISE_ALGS:
        r = dr.denoise(hf, plain, MASK, 8, alg, forward=fwd)
        assert r.forwards == 0 and r.ids == plain


def test_p2_legacy_never_remasks_and_p2_does(doc, model, fwd):
    hf, tok, _ = model
    legacy = [c for c in doc["cases"] if c["algorithm"] == "p2-legacy"]
    assert legacy and all(c["remask_count"] == 0 for c in legacy)
    assert all(r["remasked_decoded"] == [] for c in legacy for r in c["trace"])
    assert doc["summary"]["p2_cases_with_remask"] > 0
    remasking = [c for c in doc["cases"] if c["algorithm"] == "p2" and c["remask_count"] > 0]
    c = remasking[0]
    # a re-masked position held a decoded token before that step and holds the mask after it
    prev = c["input_ids"][c["middle_start"]:c["middle_start"] + c["m"]]
    seen = False
    for r in c["trace"]:
        for j in r["remasked_decoded"]:
            a = j - c["middle_start"]
            assert prev[a] != MASK and r["middle_after"][a] == MASK
            seen = True
        prev = r["middle_after"]
    assert seen
    # live: the same inputs under p2-legacy re-mask nothing
    ids, _ = dr.canvas(tok, MASK, *(lambda i: (i["prefix"], i["suffix"]))(doc["inputs"][c["input"]]), c["m"])
    run = dr.denoise(hf, ids, MASK, c["steps"], "p2-legacy", forward=fwd)
    assert run.remask_count == 0


def test_forward_counts_in_file(doc):
    for c in doc["cases"]:
        assert c["mask_id_sampled"] == 0 and c["forwards"] == c["expected_forwards"] == len(c["trace"])
        assert MASK not in c["middle_ids"]


def test_tie_rule_lower_position_first(fwd):
    row = torch.linspace(0, 5, 512)  # every position gets the same distribution: all confidences equal

    def flat(ids):
        return row.repeat(len(ids), 1)

    ids = [1, 2] + [MASK] * 4 + [3]
    run = dr.denoise(None, ids, MASK, 4, "p2", forward=flat)  # k = 3, 2, 1, 0
    assert run.trace[0]["selected"] == [2, 3, 4]
    assert run.trace[0]["ids_after"][2:6] == [MASK, MASK, MASK, 511]  # lowest positions re-masked first
    assert run.trace[0]["tie_split"] is False and run.trace[0]["deciding_gap"] == 0.0  # accidental tie: gap 0
    run = dr.denoise(None, ids, MASK, 2, "maskgit_plus", forward=flat)  # transfers trunc(4 * 0.4995) = 1
    assert run.trace[0]["selected"] == [2] and run.trace[0]["ids_after"][2:6] == [511, MASK, MASK, MASK]
    # argmax ties go to the lowest id
    s = dr.sample_tokens(torch.tensor([[1.0, 3.0, 3.0, 0.0]]))
    assert int(s.x0[0]) == 1


def test_empty_prefix_positions_share_row_0(doc, model):
    hf, tok, _ = model
    ids, start = dr.canvas(tok, MASK, "", doc["inputs"]["empty_prefix"]["suffix"], 4)
    assert start == 0
    logits = dr.shifted_logits(hf, ids)
    assert torch.equal(logits[0], logits[1])
    assert any(c["tie_splits"] > 0 and c["input"] == "empty_prefix" for c in doc["cases"])


def test_bidirectional_suffix_changes_middle(model, fwd):
    hf, tok, _ = model
    ids, start = dr.canvas(tok, MASK, *ADD, 4)
    changed = list(ids)
    changed[-2] = (changed[-2] + 1) % 480  # a suffix token, after every middle position
    a, b = dr.shifted_logits(hf, ids), dr.shifted_logits(hf, changed)
    assert float((a[start:start + 4] - b[start:start + 4]).abs().max()) > 1e-2
    r1 = dr.denoise(hf, ids, MASK, 4, "p2", forward=fwd)
    r2 = dr.denoise(hf, changed, MASK, 4, "p2", forward=fwd)
    assert r1.ids[start:start + 4] != r2.ids[start:start + 4]


# ---------------------------------------------------------------- file structure / selection


def test_file_structure(doc):
    assert (doc["format"], doc["format_version"], doc["model"], doc["mask_id"]) == \
        ("ensemble-reference-denoise", 1, "tiny-diffusion", MASK)
    per = doc["summary"]["cases_per_algorithm"]
    assert set(per) == set(dr.DENOISE_ALGS) and min(per.values()) >= 40
    for c in doc["cases"]:
        assert all(c[k] is None or c[k] > doc["min_gap"] for k in dr.DECIDING)
        inp = doc["inputs"][c["input"]]
        assert c["input_ids"] == inp["prefix_ids"] + [MASK] * c["m"] + inp["suffix_ids"]
        assert c["middle_start"] == len(inp["prefix_ids"])
        assert c["middle_ids"] == c["trace"][-1]["middle_after"]
    inputs = {c["input"] for c in doc["cases"]}
    assert {"empty_prefix", "empty_suffix"} <= inputs
    assert doc["inputs"]["empty_prefix"]["prefix_ids"] == [] and doc["inputs"]["empty_suffix"]["suffix_ids"] == []
    filtered = [c for c in doc["cases"] if c["top_p"] < 1 or c["top_k"] is not None]
    assert len(filtered) == 2 * len(dr.DENOISE_ALGS) and all(c["differs_from_unfiltered"] for c in filtered)
    assert doc["summary"]["smallest_deciding_gap"] > doc["min_gap"]


def test_decode_rule(doc, model):
    tok = model[1]
    for c in doc["cases"][::17]:
        assert c["text"] == tok.decode(c["middle_ids"], skip_special_tokens=True)


def test_masked_scores(doc, model):
    hf, tok, _ = model
    for e in doc["masked_scores"]:
        got = dr.masked_score(hf, tok, MASK, e["prefix"], e["suffix"], e["candidate"])
        assert got == e
        if e["candidate_ids"]:
            assert abs(e["sum_logprob_f32"] - e["sum_logprob_f64"]) < 1e-4


# ---------------------------------------------------------------- independent checks


def _literal_open_dllm(forward_raw, x: torch.Tensor, mask_id, steps, alg, top_p=None, top_k=None):
    """The Open-dLLM loop as published (torch sort/topk, batch of 1), temperature 0, alg_temp 0; `p2` is the
    current version, `p2-legacy` the earlier one (confidence only at masked positions)."""
    from torch.nn import functional as F

    def top_p_logits(logits, top_p):
        sorted_logits, sorted_indices = torch.sort(logits, descending=True)
        cumulative_probs = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        remove = cumulative_probs > top_p
        remove[..., 1:] = remove[..., :-1].clone()
        remove[..., 0] = 0
        mask = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, sorted_indices, remove)
        return logits.masked_fill(mask, torch.finfo(logits.dtype).min)

    def top_k_logits(logits, top_k):
        if top_k is None or top_k == 0:
            return logits
        return logits.masked_fill(logits < torch.topk(logits, top_k)[0][..., -1, None], torch.finfo(logits.dtype).min)

    def sample_tokens(logits, alg):
        if top_p is not None and top_p < 1:
            logits = top_p_logits(logits, top_p)
        if top_k is not None:
            logits = top_k_logits(logits, top_k)
        probs = torch.softmax(logits.float(), dim=-1)
        _, x0 = probs.max(dim=-1)
        confidence = torch.gather(probs, -1, x0.unsqueeze(-1)).squeeze(-1)
        if alg == "topk_margin":
            sp, _ = torch.sort(probs, dim=-1, descending=True)
            confidence = sp[..., 0] - sp[..., 1]
        elif alg == "entropy":
            confidence = (probs * torch.log(probs.clamp(min=1e-10))).sum(dim=-1)
        return confidence, x0

    fix_mask = x != mask_id
    timesteps = torch.linspace(1, 1e-3, steps + 1)
    forwards = 0
    for i in range(steps):
        mask_index = x == mask_id
        if not mask_index.any():
            break
        logits = forward_raw(x)
        forwards += 1
        logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)
        mask_logits = logits[mask_index]
        t, s = timesteps[i], timesteps[i + 1]
        if alg in ("p2", "p2-legacy"):
            kappa_t = (i + 1) / steps
            if alg == "p2":
                confidence, x0 = sample_tokens(logits, alg)
                confidence[fix_mask] = float("inf")
                full_x0 = x0
            else:
                c, x0m = sample_tokens(mask_logits, alg)
                confidence = torch.full_like(x, float("inf"), dtype=c.dtype)
                confidence[mask_index] = c
                full_x0 = torch.full_like(x, mask_id)
                full_x0[mask_index] = x0m
            num_to_mask = ((~fix_mask).sum(dim=1, keepdim=True).float() * (1 - kappa_t)).long()
            sorted_idx = torch.argsort(confidence, dim=-1, descending=False)
            max_mask = num_to_mask.max()
            to_mask = torch.zeros_like(x, dtype=torch.bool)
            to_mask[0, sorted_idx[0, :max_mask]] = True
            x[to_mask] = mask_id
            unmask = mask_index & ~to_mask
            x[unmask] = full_x0[unmask]
        else:
            confidence, x0 = sample_tokens(mask_logits, alg)
            n = mask_index.sum(dim=1)
            nt = (n.float() * (1 - s / t)).long() if i < steps - 1 else n
            full = torch.full_like(x, -torch.inf, dtype=logits.dtype)
            full[mask_index] = confidence
            k = int(nt.max())
            if k > 0:
                _, idx = torch.topk(full, k, dim=1)
                x_ = torch.zeros_like(x) + mask_id
                x_[mask_index] = x0.clone()
                x[0, idx[0, :k]] = x_[0, idx[0, :k]]
    return x, forwards


def test_literal_open_dllm_port_agrees(doc, model):
    hf = model[0]

    def forward_raw(x):
        return torch.from_numpy(hf_bidirectional(hf, x.numpy()))

    checked = 0
    for c in doc["cases"][::9]:
        if c["tie_splits"]:
            continue  # the published code leaves equal-confidence order unspecified
        x, forwards = _literal_open_dllm(forward_raw, torch.tensor([c["input_ids"]]), MASK, c["steps"],
                                         c["algorithm"], None if c["top_p"] >= 1 else c["top_p"], c["top_k"])
        s = c["middle_start"]
        assert x[0, s:s + c["m"]].tolist() == c["middle_ids"], c["id"]
        assert forwards == c["forwards"]
        checked += 1
    assert checked >= 25


def test_onnxruntime_replays_every_case(doc):
    """The exported graph (what the TypeScript side runs) reproduces every recorded trajectory."""
    ort_model = OrtModel(D, threads=1)
    cache = {}

    def forward(ids):
        key = tuple(ids)
        if key not in cache:
            n = len(ids)
            rows = [[max(j - 1, 0) for j in range(n)]]
            cache[key] = torch.from_numpy(ort_model.bidirectional([ids], np.ones((1, n), np.int64),
                                                                  np.arange(n)[None], rows)[0])
        return cache[key]

    for c in doc["cases"]:
        top_p = None if c["top_p"] >= 1 else c["top_p"]
        run = dr.denoise(None, c["input_ids"], MASK, c["steps"], c["algorithm"], 0.0, top_p, c["top_k"],
                         forward=forward)
        s = c["middle_start"]
        assert [r["ids_after"][s:s + c["m"]] for r in run.trace] == [r["middle_after"] for r in c["trace"]], c["id"]
        assert [r["selected"] for r in run.trace] == [r["selected"] for r in c["trace"]], c["id"]

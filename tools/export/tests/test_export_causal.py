"""Autoregressive graph (causal-kv-v1) vs transformers, fp32, tolerance 1e-4."""

import numpy as np

from ensemble_export.verify import hf_causal, left_pad

TOL = 1e-4


def _ids(seed, n, high=480):
    return np.random.default_rng(seed).integers(0, high, size=n).tolist()


def _maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def test_full_sequence_with_empty_past(shape_name, hf_models, ort_models):
    hf, ort_m = hf_models[shape_name], ort_models[(shape_name, "autoregressive")]
    ids = [_ids(1, 20)]
    got, present = ort_m.causal(ids, np.ones((1, 20)), np.arange(20)[None])  # past: zero-length tensors
    assert got.shape == (1, 20, ort_m.manifest["vocab_size"])
    assert present[0].shape == (1, ort_m.kv_heads, 20, ort_m.head_dim)
    assert _maxdiff(got, hf_causal(hf, ids)) < TOL


def test_prefill_then_step_by_step_decode(shape_name, hf_models, ort_models):
    hf, ort_m = hf_models[shape_name], ort_models[(shape_name, "autoregressive")]
    seq = _ids(2, 24)
    ref = hf_causal(hf, [seq])[0]
    got, past = ort_m.causal([seq[:9]], np.ones((1, 9)), np.arange(9)[None])
    assert _maxdiff(got[0], ref[:9]) < TOL
    for t in range(9, 24):
        got, past = ort_m.causal([[seq[t]]], np.ones((1, t + 1)), [[t]], past)
        assert past[0].shape[2] == t + 1
        assert _maxdiff(got[0, 0], ref[t]) < TOL, f"decode step at position {t}"


def test_multi_token_step_on_cache(shape_name, hf_models, ort_models):
    """A chunk of several new tokens on top of a cache is causal within the chunk too."""
    hf, ort_m = hf_models[shape_name], ort_models[(shape_name, "autoregressive")]
    seq = _ids(3, 16)
    ref = hf_causal(hf, [seq])[0]
    _, past = ort_m.causal([seq[:6]], np.ones((1, 6)), np.arange(6)[None])
    got, _ = ort_m.causal([seq[6:]], np.ones((1, 16)), np.arange(6, 16)[None], past)
    assert _maxdiff(got[0], ref[6:]) < TOL


def test_batched_left_padding_matches_single_sequences(shape_name, hf_models, ort_models):
    hf, ort_m = hf_models[shape_name], ort_models[(shape_name, "autoregressive")]
    pad = ort_m.manifest["special_ids"]["pad"]
    seqs = [_ids(4, 14), _ids(5, 5), _ids(6, 9)]
    ids, mask, pos = left_pad(seqs, pad)
    got, past = ort_m.causal(ids, mask, pos)
    nxt = [[7], [8], [9]]
    got2, _ = ort_m.causal(nxt, np.concatenate([mask, np.ones((3, 1), np.int64)], 1), pos[:, -1:] + 1, past)
    n = ids.shape[1]
    for b, s in enumerate(seqs):
        ref = hf_causal(hf, [s + nxt[b]])[0]
        assert _maxdiff(got[b, n - len(s):], ref[:-1]) < TOL, f"sequence {b}"
        assert _maxdiff(got2[b, 0], ref[-1]) < TOL, f"sequence {b}, cached step"
    # and transformers itself on the padded batch agrees (same masking convention)
    ref_b = hf_causal(hf, ids, mask, pos)
    for b, s in enumerate(seqs):
        assert _maxdiff(got[b, n - len(s):], ref_b[b, n - len(s):]) < TOL


def test_causal_graph_ignores_future_tokens(ort_models):
    ort_m = ort_models[("tied-g2", "autoregressive")]
    a, b = _ids(7, 10), _ids(7, 10)
    b[8] = (b[8] + 1) % 480
    la, _ = ort_m.causal([a], np.ones((1, 10)), np.arange(10)[None])
    lb, _ = ort_m.causal([b], np.ones((1, 10)), np.arange(10)[None])
    assert _maxdiff(la[0, :8], lb[0, :8]) == 0.0
    assert _maxdiff(la[0, 8:], lb[0, 8:]) > 1e-3

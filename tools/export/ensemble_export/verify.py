"""Compare an exported model directory (onnxruntime) with transformers' Qwen2ForCausalLM (fp32, eager).

The transformers side is the reference: causal runs use its own masks; bidirectional runs pass
an explicit all-visible 4D mask (padding keys masked), which is how Open-dLLM runs the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import ExportError
from .checkpoint import checkpoint_sha256
from .model_dir import read_manifest

DEFAULT_TOLERANCE = {"float32": 1e-4, "float16": 5e-2}


@dataclass
class CaseResult:
    name: str
    max_abs_diff: float
    tolerance: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.max_abs_diff <= self.tolerance)


# ---------------------------------------------------------------- reference (transformers)


def load_hf(checkpoint: Path):
    import transformers
    from transformers import Qwen2ForCausalLM

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    model = Qwen2ForCausalLM.from_pretrained(str(checkpoint), dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def left_pad(seqs: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids, attention_mask, position_ids for a left-padded batch (real tokens at positions 0.., pads at 0)."""
    n = max(len(s) for s in seqs)
    ids = np.full((len(seqs), n), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), n), dtype=np.int64)
    for b, s in enumerate(seqs):
        ids[b, n - len(s):] = s
        mask[b, n - len(s):] = 1
    pos = np.maximum(np.cumsum(mask, axis=1) - 1, 0)
    return ids, mask, pos


@torch.no_grad()
def hf_causal(model, ids, mask=None, pos=None) -> np.ndarray:
    ids_t = torch.from_numpy(np.asarray(ids))
    kw = {}
    if mask is not None:
        kw["attention_mask"] = torch.from_numpy(np.asarray(mask))
    if pos is not None:
        kw["position_ids"] = torch.from_numpy(np.asarray(pos))
    return model(input_ids=ids_t, use_cache=False, **kw).logits.float().numpy()


@torch.no_grad()
def hf_bidirectional(model, ids, mask=None, pos=None) -> np.ndarray:
    """Full attention: every query sees every key whose attention_mask is 1."""
    ids = np.asarray(ids)
    b, n = ids.shape
    mask = np.ones((b, n), dtype=np.int64) if mask is None else np.asarray(mask)
    pos = np.broadcast_to(np.arange(n), (b, n)).copy() if pos is None else np.asarray(pos)
    visible = torch.from_numpy(mask).bool()[:, None, None, :].expand(b, 1, n, n)
    additive = torch.zeros(b, 1, n, n, dtype=torch.float32).masked_fill(~visible, torch.finfo(torch.float32).min)
    out = model(
        input_ids=torch.from_numpy(ids),
        attention_mask={"full_attention": additive},  # a prepared mask mapping is used as is
        position_ids=torch.from_numpy(pos),
        use_cache=False,
    )
    return out.logits.float().numpy()


# ---------------------------------------------------------------- exported graph (onnxruntime)


class OrtModel:
    def __init__(self, model_dir: Path, threads: int = 0):
        import onnxruntime as ort

        self.dir = Path(model_dir)
        self.manifest = read_manifest(self.dir)
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(self.dir / self.manifest["graph"]["file"]), opts, providers=["CPUExecutionProvider"]
        )
        g = self.manifest["graph"]
        self.layers, self.kv_heads, self.head_dim = g["num_layers"], g["num_kv_heads"], g["head_dim"]
        self.float_type = np.float16 if self.manifest["dtype"] == "float16" else np.float32

    def empty_past(self, batch: int) -> list[np.ndarray]:
        return [np.zeros((batch, self.kv_heads, 0, self.head_dim), self.float_type) for _ in range(2 * self.layers)]

    def causal(self, ids, mask, pos, past=None):
        ids = np.asarray(ids, dtype=np.int64)
        past = self.empty_past(ids.shape[0]) if past is None else past
        feed = {"input_ids": ids, "attention_mask": np.asarray(mask, np.int64), "position_ids": np.asarray(pos, np.int64)}
        for i in range(self.layers):
            feed[f"past_key_values.{i}.key"] = past[2 * i]
            feed[f"past_key_values.{i}.value"] = past[2 * i + 1]
        out = self.session.run(None, feed)
        return out[0], out[1:]

    def bidirectional(self, ids, mask, pos, rows):
        feed = {
            "input_ids": np.asarray(ids, np.int64),
            "attention_mask": np.asarray(mask, np.int64),
            "position_ids": np.asarray(pos, np.int64),
            "logits_rows": np.asarray(rows, np.int64),
        }
        return self.session.run(None, feed)[0]


# ---------------------------------------------------------------- cases


def _maxdiff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def _random_ids(rng: np.random.Generator, n: int, high: int) -> list[int]:
    return [int(x) for x in rng.integers(0, high, size=n)]


def autoregressive_cases(hf, ort_model: OrtModel, tol: float, seq_len: int = 12) -> list[CaseResult]:
    m = ort_model.manifest
    rng = np.random.default_rng(0)
    high = m["special_ids"]["eos"]  # ordinary tokens
    pad = m["special_ids"]["pad"]
    res = []

    # 1. full sequence, empty past
    ids = np.array([_random_ids(rng, seq_len, high)])
    ones = np.ones_like(ids)
    pos = np.arange(seq_len)[None]
    ref = hf_causal(hf, ids)
    got, _ = ort_model.causal(ids, ones, pos)
    res.append(CaseResult("causal full sequence (B=1, P=0)", _maxdiff(got, ref), tol))

    # 2. prefill half, then one token at a time through the KV cache
    split = seq_len // 2
    got, past = ort_model.causal(ids[:, :split], ones[:, :split], pos[:, :split])
    diffs = [_maxdiff(got, ref[:, :split])]
    for t in range(split, seq_len):
        got, past = ort_model.causal(ids[:, t:t + 1], ones[:, :t + 1], pos[:, t:t + 1], past)
        diffs.append(_maxdiff(got, ref[:, t:t + 1]))
    res.append(CaseResult(f"causal KV cache (prefill {split}, {seq_len - split} decode steps)", max(diffs), tol))

    # 3. batched, left-padded, plus one cached decode step; reference = each sequence alone
    seqs = [_random_ids(rng, seq_len, high), _random_ids(rng, seq_len // 2 + 1, high)]
    nxt = _random_ids(rng, 2, high)
    ids_b, mask_b, pos_b = left_pad(seqs, pad)
    got, past = ort_model.causal(ids_b, mask_b, pos_b)
    mask2 = np.concatenate([mask_b, np.ones((2, 1), np.int64)], axis=1)
    pos2 = pos_b[:, -1:] + 1
    got2, _ = ort_model.causal(np.array(nxt)[:, None], mask2, pos2, past)
    diffs = []
    for b, s in enumerate(seqs):
        ref_b = hf_causal(hf, [s + [nxt[b]]])[0]
        diffs.append(_maxdiff(got[b, seq_len - len(s):], ref_b[:-1]))
        diffs.append(_maxdiff(got2[b, 0], ref_b[-1]))
    res.append(CaseResult("causal batch of 2, left padding + 1 cached step", max(diffs), tol))
    return res


def diffusion_cases(hf, ort_model: OrtModel, tol: float, seq_len: int = 12) -> list[CaseResult]:
    m = ort_model.manifest
    rng = np.random.default_rng(1)
    high, pad, mask_id = m["special_ids"]["eos"], m["special_ids"]["pad"], m["special_ids"]["mask"]
    res = []

    # 1. all rows, with a run of mask tokens in the middle (an infilling canvas)
    seq = _random_ids(rng, seq_len, high)
    seq[seq_len // 3: seq_len // 3 + 4] = [mask_id] * 4
    ids = np.array([seq])
    ones, pos = np.ones_like(ids), np.arange(seq_len)[None]
    ref = hf_bidirectional(hf, ids)
    got = ort_model.bidirectional(ids, ones, pos, pos)
    res.append(CaseResult("bidirectional all rows (B=1)", _maxdiff(got, ref), tol))

    # 2. gathered rows (any order, repeats allowed) equal the full rows
    rows = np.array([[0, 0, 5, 3, seq_len - 1]])
    got = ort_model.bidirectional(ids, ones, pos, rows)
    res.append(CaseResult("bidirectional logits_rows gather", _maxdiff(got, ref[:, rows[0]]), tol))

    # 3. batched with left padding; reference = each sequence alone
    seqs = [seq, _random_ids(rng, seq_len // 2, high)]
    seqs[1][1] = mask_id
    ids_b, mask_b, pos_b = left_pad(seqs, pad)
    rows_b = np.broadcast_to(np.arange(seq_len), (2, seq_len))
    got = ort_model.bidirectional(ids_b, mask_b, pos_b, rows_b)
    diffs = [_maxdiff(got[b, seq_len - len(s):], hf_bidirectional(hf, [s])[0]) for b, s in enumerate(seqs)]
    res.append(CaseResult("bidirectional batch of 2, left padding", max(diffs), tol))

    # 4. a token AFTER position j changes the output at j (a causal export would show 0 here)
    j = 2
    changed = list(seq)
    changed[j + 3] = (changed[j + 3] + 1) % high
    a = ort_model.bidirectional(ids, ones, pos, [[j]])
    b = ort_model.bidirectional(np.array([changed]), ones, pos, [[j]])
    influence = _maxdiff(a, b)
    res.append(
        CaseResult(
            f"future token changes row {j} (|delta|={influence:.3g}, must be > 1e-6)",
            0.0 if influence > 1e-6 else float("inf"),
            tol,
        )
    )
    return res


def verify(checkpoint: Path, model_dir: Path, tolerance: float | None = None, threads: int = 0) -> list[CaseResult]:
    checkpoint, model_dir = Path(checkpoint), Path(model_dir)
    ort_model = OrtModel(model_dir, threads)
    m = ort_model.manifest
    tol = DEFAULT_TOLERANCE[m["dtype"]] if tolerance is None else tolerance
    if m["source"]["checkpoint_sha256"] != checkpoint_sha256(checkpoint):
        raise ExportError(f"{model_dir} was exported from a different checkpoint (sha256 mismatch)")
    hf = load_hf(checkpoint)
    if m["kind"] == "autoregressive":
        return autoregressive_cases(hf, ort_model, tol)
    return diffusion_cases(hf, ort_model, tol)

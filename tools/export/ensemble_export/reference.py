"""reference/logits.json next to a fixture model: transformers' logits for a few inputs, compact.
(Autoregressive fixtures also get reference/generation.json and reference/scores.json: ar_reference.py.)

The TypeScript side runs the same inputs through onnxruntime-node and compares. Per requested
row we store the top-8 (id, value) pairs; the first row of every case also has the full row.
Values are rounded to 6 decimal places (absolute error <= 5e-7, small next to the 1e-4 comparison
tolerance; 6 significant digits would cost up to 5e-5 on logits >= 10). Computed single-threaded
for stable bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import transformers
from tokenizers import Tokenizer

from . import ExportError
from .ar_reference import write_ar_references
from .diffusion_reference import write_denoise_reference
from .verify import OrtModel, hf_bidirectional, hf_causal, left_pad, load_hf

TOP_K = 8
CHECK_TOLERANCE = 1e-4

# Inputs are text, so the cases double as tokenizer checks (text -> ids).
AR_TEXTS = {
    "plain": "def fib(n):\n    if n < 2:\n        return n\n",
    "fim": "<|fim_prefix|>def add(a, b):\n    return <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>",
}
DIFFUSION_INFILL = ("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", 4)  # prefix, suffix, masks
TOKENIZER_TEXTS = [
    "Hello world",
    "def f(x):\n\treturn x  # café ünïcode 😀\r\n",
    "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>c<|endoftext|>",
    "x = '<|im_start|>' + \"<|im_end|>\" + '<M>'",
]


def _r(x: float) -> float:
    return round(float(x), 6)


def _row(logits_row: np.ndarray, full: bool) -> dict:
    order = np.argsort(-logits_row, kind="stable")[:TOP_K]  # ties -> lowest id first
    top = logits_row[order]
    out = {
        "top_ids": [int(i) for i in order],
        "top_values": [_r(v) for v in top],
        "top1_gap": _r(top[0] - top[1]),
    }
    if full:
        out["full"] = [_r(v) for v in logits_row]
    return out


def _case(name, ids, mask, pos, logits, rows_per_batch, logits_rows=None, texts=None) -> dict:
    """rows_per_batch[b] = indices into axis 1 of `logits` to record."""
    case = {"name": name}
    if texts is not None:
        case["texts"] = texts
    case.update({
        "input_ids": np.asarray(ids).tolist(),
        "attention_mask": np.asarray(mask).tolist(),
        "position_ids": np.asarray(pos).tolist(),
    })
    if logits_rows is not None:
        case["logits_rows"] = np.asarray(logits_rows).tolist()
    entries, first = [], True
    for b, rows in enumerate(rows_per_batch):
        for r in rows:
            entries.append({"batch": b, "row": int(r), **_row(logits[b, r], full=first)})
            first = False
    case["rows"] = entries
    return case


def _check(name: str, got: np.ndarray, ref: np.ndarray):
    diff = float(np.max(np.abs(got - ref)))
    if diff > CHECK_TOLERANCE:
        raise ExportError(f"reference case {name!r}: onnxruntime differs from transformers by {diff:.3g}")


def _greedy(hf, ids: list[int], steps: int) -> list[int]:
    out = list(ids)
    for _ in range(steps):
        out.append(int(np.argmax(hf_causal(hf, [out])[0, -1])))
    return out[len(ids):]


def autoregressive_reference(hf, ort_model: OrtModel, tok: Tokenizer) -> list[dict]:
    m = ort_model.manifest
    pad = m["special_ids"]["pad"]
    cases = []
    for name, text in AR_TEXTS.items():
        ids = [tok.encode(text).ids]
        n = len(ids[0])
        mask, pos = np.ones((1, n), np.int64), np.arange(n)[None]
        ref = hf_causal(hf, ids)
        _check(name, ort_model.causal(ids, mask, pos)[0], ref)
        case = _case(name, ids, mask, pos, ref, [range(n)], texts=[text])
        case["greedy_next_ids"] = _greedy(hf, ids[0], 8)  # argmax continuation, no stop ids
        cases.append(case)

    # batched, left padded: the reference is transformers on the same padded batch
    texts = list(AR_TEXTS.values())
    seqs = [tok.encode(t).ids for t in texts]
    ids, mask, pos = left_pad(seqs, pad)
    ref = hf_causal(hf, ids, mask, pos)
    _check("batch", ort_model.causal(ids, mask, pos)[0], ref)
    n = ids.shape[1]
    real_rows = [range(n - len(s), n) for s in seqs]  # padded rows are unspecified
    cases.append(_case("batch_left_padded", ids, mask, pos, ref, real_rows, texts=texts))
    return cases


def diffusion_reference(hf, ort_model: OrtModel, tok: Tokenizer) -> list[dict]:
    m = ort_model.manifest
    mask_id, pad = m["special_ids"]["mask"], m["special_ids"]["pad"]
    prefix, suffix, n_mask = DIFFUSION_INFILL
    p_ids, s_ids = tok.encode(prefix).ids, tok.encode(suffix).ids
    cases = []

    def one(name, seq, texts):
        n = len(seq)
        masked = [j for j, t in enumerate(seq) if t == mask_id]
        rows = [[max(j - 1, 0) for j in masked]]  # logits_shift 1: position j reads row j-1
        ids, att, pos = np.array([seq]), np.ones((1, n), np.int64), np.arange(n)[None]
        full = hf_bidirectional(hf, ids)
        ref = full[:, rows[0]]
        _check(name, ort_model.bidirectional(ids, att, pos, rows), ref)
        case = _case(name, ids, att, pos, ref, [range(len(masked))], logits_rows=rows, texts=texts)
        case["masked_positions"] = [masked]
        return case

    cases.append(one("infill", p_ids + [mask_id] * n_mask + s_ids, [prefix, suffix]))
    # Empty prefix: positions 0 and 1 both read row 0 (identical logits).
    cases.append(one("infill_empty_prefix", [mask_id] * 3 + s_ids, ["", suffix]))

    # batched, left padded, every row requested
    seqs = [p_ids + [mask_id] * n_mask + s_ids, [mask_id] * 2 + s_ids[:3]]
    ids, att, pos = left_pad(seqs, pad)
    n = ids.shape[1]
    rows = np.broadcast_to(np.arange(n), ids.shape)
    ref = hf_bidirectional(hf, ids, att, pos)
    _check("batch", ort_model.bidirectional(ids, att, pos, rows), ref)
    real_rows = [range(n - len(s), n) for s in seqs]
    cases.append(_case("batch_left_padded_all_rows", ids, att, pos, ref, real_rows, logits_rows=rows))
    return cases


def write_reference(checkpoint: Path, model_dir: Path) -> Path:
    torch.set_num_threads(1)
    model_dir = Path(model_dir)
    ort_model = OrtModel(model_dir, threads=1)
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    hf = load_hf(checkpoint)
    kind = ort_model.manifest["kind"]
    cases = (autoregressive_reference if kind == "autoregressive" else diffusion_reference)(hf, ort_model, tok)
    doc = {
        "format": "ensemble-reference-logits",
        "format_version": 1,
        "model": ort_model.manifest["name"],
        "kind": kind,
        "reference": f"transformers {transformers.__version__} Qwen2ForCausalLM, float32, eager attention"
        + (", all-visible (bidirectional) attention mask" if kind == "diffusion" else ""),
        "top_k": TOP_K,
        "decimals": 6,
        "row_semantics": "rows[].row indexes axis 1 of the graph output logits"
        + (" ([B,K,V], K = logits_rows)" if kind == "diffusion" else " ([B,S,V])"),
        "tokenizer_cases": [
            {"text": t, "ids": tok.encode(t).ids, "decoded_skip_special": tok.decode(tok.encode(t).ids, skip_special_tokens=True)}
            for t in TOKENIZER_TEXTS
        ],
        "cases": cases,
    }
    out = model_dir / "reference" / "logits.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    if kind == "autoregressive":  # reference/generation.json + reference/scores.json
        write_ar_references(hf, tok, ort_model.manifest, model_dir)
    else:  # reference/denoise.json: the Open-dLLM samplers run through transformers
        write_denoise_reference(hf, tok, ort_model.manifest, model_dir)
    return out

"""reference/generation.json and reference/scores.json next to an autoregressive fixture.

Both come from transformers (fp32, eager attention, one sequence per forward) and let the TypeScript
autoregressive server and scorer be checked end to end against an independent implementation:

- generation.json: greedy decoding of (prefix, suffix) inputs with the FIM prompt template, stop ids
  and max_new_tokens, plus the decoded text.
- scores.json: per-token log-likelihoods of candidate middles, in two modes: `fim` (the candidate
  after the FIM prompt, optionally followed by eos) and `prefix_only` (the seed's perplexity rule,
  docs/REFERENCE.md section 3, including its tokenisation-seam window).

Deterministic: fixed inputs, a fixed-order search for the generation cases, single-threaded torch
(write_reference sets it). See tools/export/README.md ("Fixtures") for the field semantics.
"""

from __future__ import annotations

import json
import math
from itertools import product
from pathlib import Path

import numpy as np
import torch
import transformers
from tokenizers import Tokenizer

from . import ExportError
from .verify import hf_causal

# ---------------------------------------------------------------- shared prompt rule


def encode(tok: Tokenizer, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids


def prompt_ids(tok: Tokenizer, manifest: dict, prefix: str, suffix: str) -> list[int]:
    """Empty suffix: encode(prefix) (plain completion). Otherwise the PSM FIM template
    [fim_prefix] + encode(prefix) + [fim_suffix] + encode(suffix) + [fim_middle], parts encoded separately."""
    if suffix == "":
        return encode(tok, prefix)
    fim = manifest["fim"]
    return [fim["prefix"]] + encode(tok, prefix) + [fim["suffix"]] + encode(tok, suffix) + [fim["middle"]]


PROMPT_RULE = (
    "suffix == '': prompt_ids = encode(prefix); otherwise prompt_ids = [fim.prefix] + encode(prefix) + "
    "[fim.suffix] + encode(suffix) + [fim.middle]; encode = tokenizer.json via the tokenizers library, "
    "add_special_tokens=False, prefix and suffix encoded separately"
)

# ---------------------------------------------------------------- generation.json

MAX_NEW_TOKENS = 24
# Smallest top1-top2 logit gap allowed at any greedy step of a chosen case (onnxruntime differs from
# transformers by <= 5e-6 on these fixtures, so every argmax decision is far above numerical noise).
MIN_GAP = 1e-3

# Candidate inputs, searched in this order (prefix-major). The random tiny model rarely emits a stop id,
# so a handful of inputs is tried and the first input satisfying each slot below is kept.
GEN_PREFIXES = [
    "def fib(n):\n    if n < 2:\n        return n\n",
    "def add(a, b):\n    return ",
    "def ",
    "    for x in numbers:\n",
    "return True\n",
]
GEN_SUFFIXES = ["", "\n\nprint(add(1, 2))\n", ")\n", "\n"]
# (case name, wants empty suffix, wanted finish_reason, must generate a special (skipped) token)
GEN_SLOTS = [
    ("plain_length", True, "length", False),
    ("plain_eos", True, "eos", False),
    ("fim_eos", False, "eos", False),
    ("fim_length", False, "length", False),
    ("fim_special_token_skipped", False, None, True),
]


def greedy(hf, ids: list[int], stop_ids: set[int], max_new: int) -> dict:
    """Greedy loop with a full forward per step (no cache): argmax of the float32 logits, ties to the lowest id."""
    out, gen, gaps = list(ids), [], []
    stop = None
    for _ in range(max_new):
        row = hf_causal(hf, [out])[0, -1]
        order = np.argsort(-row, kind="stable")
        tok_id = int(order[0])
        gaps.append(float(row[order[0]]) - float(row[order[1]]))
        if tok_id in stop_ids:
            stop = tok_id
            break
        gen.append(tok_id)
        out.append(tok_id)
    return {"generated_ids": gen, "stop_token": stop, "finish_reason": "eos" if stop is not None else "length",
            "min_top1_gap": min(gaps)}


@torch.no_grad()
def _hf_generate(hf, ids: list[int], stop_ids: list[int], pad: int, max_new: int) -> list[int]:
    ids_t = torch.tensor([ids], dtype=torch.int64)
    out = hf.generate(input_ids=ids_t, attention_mask=torch.ones_like(ids_t), do_sample=False,
                      max_new_tokens=max_new, eos_token_id=list(stop_ids), pad_token_id=pad)
    return [int(t) for t in out[0, len(ids):]]


def generation_reference(hf, tok: Tokenizer, manifest: dict) -> dict:
    stop_list = list(manifest["stop_ids"])
    stop_ids = set(stop_list)
    known = tok.get_vocab_size(with_added_tokens=True)  # ids past this are unused embedding rows
    special = {i for i, t in tok.get_added_tokens_decoder().items() if t.special}

    runs = {}  # (prefix, suffix) -> greedy result, in search order

    def run(prefix, suffix):
        if (prefix, suffix) not in runs:
            runs[(prefix, suffix)] = greedy(hf, prompt_ids(tok, manifest, prefix, suffix), stop_ids, MAX_NEW_TOKENS)
        return runs[(prefix, suffix)]

    chosen, missing, used = [], [], set()
    for name, plain, finish, want_special in GEN_SLOTS:
        for prefix, suffix in product(GEN_PREFIXES, GEN_SUFFIXES):
            if (suffix == "") != plain or (prefix, suffix) in used or (prefix == "" and suffix == ""):
                continue
            r = run(prefix, suffix)
            ok = (
                r["min_top1_gap"] >= MIN_GAP
                and all(t < known for t in r["generated_ids"])  # decodable ids only
                and (finish is None or r["finish_reason"] == finish)
                and (not want_special or any(t in special for t in r["generated_ids"]))
            )
            if ok:
                used.add((prefix, suffix))
                chosen.append((name, prefix, suffix, r))
                break
        else:
            missing.append(name)

    cases = []
    for name, prefix, suffix, r in chosen:
        ids = prompt_ids(tok, manifest, prefix, suffix)
        # independent cross-check: transformers' own generate() (KV cache) gives the same ids
        expect = r["generated_ids"] + ([r["stop_token"]] if r["stop_token"] is not None else [])
        got = _hf_generate(hf, ids, stop_list, manifest["special_ids"]["pad"], MAX_NEW_TOKENS)
        if got != expect:
            raise ExportError(f"generation case {name!r}: generate() {got} differs from the greedy loop {expect}")
        cases.append({
            "name": name,
            "prefix": prefix,
            "suffix": suffix,
            "prompt_ids": ids,
            "max_new_tokens": MAX_NEW_TOKENS,
            "generated_ids": r["generated_ids"],
            "stop_token": r["stop_token"],
            "finish_reason": r["finish_reason"],
            "text": tok.decode(r["generated_ids"], skip_special_tokens=True),
            "min_top1_gap": round(r["min_top1_gap"], 6),
        })

    finishes = {c["finish_reason"] for c in cases}
    doc = {
        "format": "ensemble-reference-generation",
        "format_version": 1,
        "model": manifest["name"],
        "reference": f"transformers {transformers.__version__} Qwen2ForCausalLM, float32, eager attention, "
        "one sequence; greedy = argmax of the float32 logits (ties to the lowest id), one full forward per step; "
        "identical ids from Qwen2ForCausalLM.generate(do_sample=False, eos_token_id=stop_ids) (checked when built)",
        "prompt_rule": PROMPT_RULE,
        "stop_ids": stop_list,
        "stop_rule": "stop at the first generated token in stop_ids (recorded as stop_token, not part of "
        "generated_ids or text, finish_reason 'eos'), else after max_new_tokens (stop_token null, finish_reason 'length')",
        "text_rule": "text = tokenizer.decode(generated_ids, skip_special_tokens=True) (tokenizers library: byte-level "
        "decode, invalid UTF-8 becomes U+FFFD; FIM tokens are not special and would stay)",
        "min_gap_rule": f"min_top1_gap = smallest top1-top2 logit gap over all greedy steps (stop step included); "
        f"cases need >= {MIN_GAP}",
        "case_selection": "for each slot in order (plain_length, plain_eos, fim_eos, fim_length, "
        "fim_special_token_skipped), the first (prefix, suffix) of product(prefixes, suffixes) not used yet, "
        "with plain = empty suffix, the slot's finish_reason, min_top1_gap >= min gap, generated ids all "
        "known to the tokenizer, and for the last slot a generated special token (dropped from text)",
        "has_eos_case": "eos" in finishes,
        "has_length_case": "length" in finishes,
        "missing_slots": missing,
        "cases": cases,
    }
    if "eos" not in finishes:
        doc["eos_note"] = "no candidate input ended with a stop id within max_new_tokens on this random model"
    return doc


# ---------------------------------------------------------------- scores.json

DECIMALS = 9

# (name, mode, prefix, suffix, include_eos, candidates)
SCORE_CASES = [
    ("fim_infill", "fim", "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", False,
     ["a + b", "a - b", " a + b", ""]),
    ("fim_infill_eos", "fim", "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", True,
     ["a + b", ""]),
    ("fim_plain_completion_eos", "fim", "def fib(n):\n    if n < 2:\n        return n\n", "", True,
     ["    return fib(n - 1) + fib(n - 2)\n", ""]),
    # prefix ends in a space: encode(prefix) ends with a lone " " token that merges into " a" in the joined
    # text, so the window starts one token late and takes the first suffix token ("\n\n")
    ("prefix_only_seam_space", "prefix_only", "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", False,
     ["a + b", "a - b", ""]),
    # prefix ends in a partial word ("ret" + "urn"): the window shifts and `to` is clipped to len(tokens) - 1
    ("prefix_only_seam_partial_word", "prefix_only", "def add(a, b):\n    ret", "\n", False,
     ["urn a + b", "urn a - b"]),
    ("prefix_only_aligned", "prefix_only", "def add(a, b):\n    return", "\n", False,
     [" a + b", " a - b"]),
    # empty prefix: start = -1, the first token has no context and is not scored (from = 1); no seam merge
    ("prefix_only_empty_prefix", "prefix_only", "", "    return a + b\n", False,
     ["def add(a, b):\n", "def sub(a, b):\n"]),
]


def _r(x: float) -> float:
    return round(float(x), DECIMALS)


def token_logprobs(hf, tokens: list[int], positions: list[int]) -> list[float]:
    """log p(tokens[j] | tokens[:j]) for each j in positions (j >= 1): float32 logits of one causal forward,
    log_softmax in float64 over the whole logits row."""
    if not positions:
        return []
    logits = hf_causal(hf, [tokens])[0].astype(np.float64)
    out = []
    for j in positions:
        row = logits[j - 1]
        m = row.max()
        out.append(float(row[tokens[j]] - m - math.log(float(np.exp(row - m).sum()))))
    return out


def summary(logprobs: list[float]) -> dict:
    s = float(sum(logprobs))
    n = len(logprobs)
    mean_nll = -s / n if n else 0.0
    return {"logprobs": [_r(v) for v in logprobs], "sum_logprob": _r(s), "token_count": n,
            "mean_nll": _r(mean_nll), "perplexity": _r(math.exp(mean_nll))}


def prefix_only_window(tok: Tokenizer, prefix: str, candidate: str, suffix: str) -> dict:
    tokens = encode(tok, prefix + candidate + suffix)
    n_p, n_c = len(encode(tok, prefix)), len(encode(tok, candidate))
    start = n_p - 1
    end = start + n_c
    lo, hi = max(start + 1, 1), min(end, len(tokens) - 1)
    return {"tokens": tokens, "prefix_token_count": n_p, "candidate_token_count": n_c,
            "suffix_token_count": len(encode(tok, suffix)), "start": start, "end": end, "from": lo, "to": hi}


def score_case(hf, tok: Tokenizer, manifest: dict, mode: str, prefix: str, suffix: str, include_eos: bool,
               candidates: list[str]) -> tuple[dict, list[dict]]:
    extra, out = {}, []
    if mode == "fim":
        prompt = prompt_ids(tok, manifest, prefix, suffix)
        if not prompt:
            raise ExportError("fim scoring needs a non-empty prompt")
        extra["prompt_ids"] = prompt
        for cand in candidates:
            tokens = prompt + encode(tok, cand) + ([manifest["special_ids"]["eos"]] if include_eos else [])
            positions = list(range(len(prompt), len(tokens)))
            out.append({"candidate": cand, "input_ids": tokens, "from": len(prompt), "to": len(tokens) - 1,
                        "token_ids": [tokens[j] for j in positions],
                        **summary(token_logprobs(hf, tokens, positions))})
    elif mode == "prefix_only":
        if include_eos:
            raise ExportError("prefix_only scoring has no eos")
        for cand in candidates:
            w = prefix_only_window(tok, prefix, cand, suffix)
            tokens = w.pop("tokens")
            positions = list(range(w["from"], w["to"] + 1))
            separate = w["prefix_token_count"] + w["candidate_token_count"] + w["suffix_token_count"]
            out.append({"candidate": cand, "input_ids": tokens, **w, "seam_changes_count": len(tokens) != separate,
                        "token_ids": [tokens[j] for j in positions],
                        **summary(token_logprobs(hf, tokens, positions))})
    else:
        raise ExportError(f"unknown scoring mode {mode!r}")
    return extra, out


def scores_reference(hf, tok: Tokenizer, manifest: dict) -> dict:
    cases = []
    for name, mode, prefix, suffix, include_eos, candidates in SCORE_CASES:
        extra, scored = score_case(hf, tok, manifest, mode, prefix, suffix, include_eos, candidates)
        cases.append({"name": name, "mode": mode, "prefix": prefix, "suffix": suffix, "include_eos": include_eos,
                      **extra, "candidates": scored})
    return {
        "format": "ensemble-reference-scores",
        "format_version": 1,
        "model": manifest["name"],
        "reference": f"transformers {transformers.__version__} Qwen2ForCausalLM, float32 logits, eager attention, "
        "one plain causal forward per candidate over input_ids (no cache); log_softmax in float64 over the "
        f"whole logits row (all {manifest['vocab_size']} rows, unused ones included)",
        "decimals": DECIMALS,
        "modes": {
            "fim": "input_ids = prompt_ids + encode(candidate) [+ special_ids.eos if include_eos]; prompt rule as "
            "in generation.json (" + PROMPT_RULE + "); scored positions j = from .. to = len(prompt_ids) .. "
            "len(input_ids) - 1",
            "prefix_only": "the seed's rule (REFERENCE.md section 3): input_ids = encode(prefix + candidate + suffix), "
            "start = len(encode(prefix)) - 1, end = start + len(encode(candidate)), from = max(start + 1, 1), "
            "to = min(end, len(input_ids) - 1); scored positions j = from .. to (none when from > to); no FIM "
            "tokens, include_eos always false; the suffix never influences the logprobs but seam merges shift the window",
        },
        "score_rule": "logprobs[k] = log p(input_ids[j] | input_ids[:j]) for the k-th scored position j; "
        "token_ids = input_ids[from..to]; sum_logprob = sum(logprobs); token_count = len(logprobs); "
        "mean_nll = -sum_logprob / token_count (0 when token_count = 0); perplexity = exp(mean_nll); "
        "all computed unrounded, then rounded to `decimals`",
        "cases": cases,
    }


# ---------------------------------------------------------------- writing


def _dump(doc: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def write_ar_references(hf, tok: Tokenizer, manifest: dict, model_dir: Path) -> list[Path]:
    ref = Path(model_dir) / "reference"
    return [
        _dump(generation_reference(hf, tok, manifest), ref / "generation.json"),
        _dump(scores_reference(hf, tok, manifest), ref / "scores.json"),
    ]

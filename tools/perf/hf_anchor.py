#!/usr/bin/env python3
"""The stack users would otherwise pick, timed on the same random checkpoint as `bench perf`'s servers.

transformers `Qwen2ForCausalLM` (float32, eager attention, CPU, torch threads = cores):
  - autoregressive: `generate` (greedy) for time to first token, batch-1 decoding and a batch of 8 left-padded
    prompts; scoring = one forward per candidate over prompt + candidate, log_softmax at the candidate's rows;
  - diffusion: the reference denoising loop of tools/export (`ensemble_export.diffusion_reference.denoise`,
    REFERENCE.md section 2, algorithm p2) over transformers with full attention; one denoising step = one
    bidirectional forward with logits for every position (and, for comparison, with the vocabulary projection
    restricted to the sampled rows); one-shot masked scoring.

Token ids come from the workload file `bench perf` writes (so both sides run the very same sequences).
Usage: hf_anchor.py --checkpoint DIR --workload FILE. Progress on stderr, one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))

from ensemble_export.diffusion_reference import denoise, shifted_logits  # noqa: E402
from ensemble_export.verify import load_hf  # noqa: E402


def log(message: str) -> None:
    print(f"hf-anchor: {message}", file=sys.stderr, flush=True)


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return (time.perf_counter() - t0) * 1000.0, value


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------- autoregressive


class StepClock(StoppingCriteria):
    """Never stops generation; records when each new token is ready (generate calls it once per token)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, input_ids, scores, **kwargs):
        self.times.append(time.perf_counter())
        return torch.zeros(input_ids.shape[0], dtype=torch.bool)


def generate(model, prompts: list[list[int]], new_tokens: int, pad_id: int, clock: StepClock | None = None):
    """Greedy generate of exactly `new_tokens` tokens (min_new_tokens keeps eos from ending it early)."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt)
        mask[row, width - len(prompt):] = 1
    return model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        pad_token_id=pad_id,
        stopping_criteria=StoppingCriteriaList([clock] if clock else []),
    )


def score_fim(model, prompt: list[int], candidate: list[int]) -> float:
    ids = torch.tensor([prompt + candidate])
    logits = model(input_ids=ids, use_cache=False).logits[0].float()
    rows = torch.log_softmax(logits[len(prompt) - 1: len(prompt) - 1 + len(candidate)].double(), dim=-1)
    return float(rows[torch.arange(len(candidate)), torch.tensor(candidate)].sum())


def autoregressive(model, w: dict, pad_id: int) -> dict:
    prompt, n = w["prompt_ids"], w["new_tokens"]
    out: dict = {}
    generate(model, [prompt[:8]], 2, pad_id)  # warm-up (first-call allocations)
    log(f"time to first token ({len(prompt)}-token prompt) x{w['ttft_reps']}")
    out["ttft_ms"] = [timed(lambda: generate(model, [prompt], 1, pad_id))[0] for _ in range(w["ttft_reps"])]
    log(f"greedy generate of {n} tokens x{w['decode_reps']}")
    out["generate_ms"], out["decode_ms_per_token"] = [], []
    for _ in range(w["decode_reps"]):
        clock = StepClock()
        ms, ids = timed(lambda: generate(model, [prompt], n, pad_id, clock))
        out["generate_ms"].append(ms)
        out["decode_ms_per_token"].append((clock.times[-1] - clock.times[0]) * 1000.0 / (len(clock.times) - 1))
        out["generated_tokens"] = int(ids.shape[1] - len(prompt))
    batch = w["concurrent_prompt_ids"]
    log(f"batch of {len(batch)} prompts, {n} tokens each x{w['concurrent_reps']}")
    runs = [timed(lambda: generate(model, batch, n, pad_id)) for _ in range(w["concurrent_reps"])]
    out["concurrent_ms"] = [ms for ms, _ in runs]
    out["concurrent_tokens"] = len(batch) * n
    candidates = w["score_candidate_ids"]
    log(f"fim scoring of {len(candidates)} candidates x{w['score_reps']}")
    out["score_ms"] = [
        timed(lambda: [score_fim(model, w["score_prompt_ids"], c) for c in candidates])[0]
        for _ in range(w["score_reps"])
    ]
    out["score_candidates"] = len(candidates)
    return out


# ---------------------------------------------------------------- diffusion


def restricted_step(model, ids: list[int], rows: list[int]) -> torch.Tensor:
    """A bidirectional forward whose vocabulary projection only covers `rows` (what a careful user would write)."""
    n = len(ids)
    additive = torch.zeros(1, 1, n, n, dtype=torch.float32)
    hidden = model.model(
        input_ids=torch.tensor([ids]),
        attention_mask={"full_attention": additive},
        position_ids=torch.arange(n)[None],
        use_cache=False,
    ).last_hidden_state
    return model.lm_head(hidden[:, rows]).float()


def score_one_shot(model, prefix: list[int], candidate: list[int], suffix: list[int], mask_id: int) -> float:
    ids = prefix + [mask_id] * len(candidate) + suffix
    logits = shifted_logits(model, ids)[len(prefix): len(prefix) + len(candidate)]
    rows = torch.log_softmax(logits.double(), dim=-1)
    return float(rows[torch.arange(len(candidate)), torch.tensor(candidate)].sum())


def diffusion(model, w: dict) -> dict:
    prefix, suffix, m, mask_id = w["prefix_ids"], w["suffix_ids"], w["middle_length"], w["mask_id"]
    canvas = prefix + [mask_id] * m + suffix
    sampled_rows = [max(j - 1, 0) for j in range(len(prefix), len(prefix) + m)]
    out: dict = {"canvas_tokens": len(canvas), "masked": m}
    shifted_logits(model, canvas[:16])  # warm-up
    log(f"denoising step on a {len(canvas)}-token canvas: full logits x{w['step_forwards']}, restricted rows x{w['step_forwards']}")
    out["step_full_ms"] = [timed(lambda: shifted_logits(model, canvas))[0] for _ in range(w["step_forwards"])]
    out["step_restricted_ms"] = [
        timed(lambda: restricted_step(model, canvas, sampled_rows))[0] for _ in range(w["step_forwards"])
    ]
    log(f"reference p2 loop, {w['steps']} steps, {m} masks x{w['infill_reps']}")
    infills, forwards = [], 0
    for _ in range(w["infill_reps"]):
        ms, run = timed(lambda: denoise(model, canvas, mask_id, w["steps"], "p2", temperature=0.0))
        infills.append(ms)
        forwards = run.forwards
    out["infill_ms"] = infills
    out["infill_forwards"] = forwards
    candidates = w["score_candidate_ids"]
    log(f"one-shot masked scoring of {len(candidates)} candidates x{w['score_reps']}")
    out["score_ms"] = [
        timed(lambda: [score_one_shot(model, prefix, c, suffix, mask_id) for c in candidates])[0]
        for _ in range(w["score_reps"])
    ]
    out["score_candidates"] = len(candidates)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--workload", required=True, help="JSON written by bench perf")
    p.add_argument("--parts", default="ar,diffusion", help="comma-separated: ar, diffusion")
    a = p.parse_args(argv)
    w = json.loads(Path(a.workload).read_text())
    threads = int(w.get("threads") or os.cpu_count() or 1)
    torch.set_num_threads(threads)
    parts = [part for part in a.parts.split(",") if part]
    result: dict = {
        "stack": f"transformers {__import__('transformers').__version__} Qwen2ForCausalLM float32 eager, "
        f"torch {torch.__version__} CPU, {threads} threads",
        "threads": threads,
    }
    log(f"loading {a.checkpoint} (float32, eager)")
    result["load_ms"], model = timed(lambda: load_hf(Path(a.checkpoint)))
    pad_id = int(w.get("pad_id", 0))
    with torch.inference_mode():
        if "ar" in parts:
            result["ar"] = autoregressive(model, w["ar"], pad_id)
        if "diffusion" in parts:
            result["diffusion"] = diffusion(model, w["diffusion"])
    result["peak_rss_bytes"] = peak_rss_bytes()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

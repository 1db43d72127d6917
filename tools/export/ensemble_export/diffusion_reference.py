"""Python/torch reference of Open-dLLM diffusion infilling (docs/REFERENCE.md section 2), plus the
schedule tables and the one-shot masked score that reference/denoise.json records.

Source followed line by line: Open-dLLM `veomni/models/transformers/qwen2/generation_utils.py`
(`sample_tokens`, `top_p_logits`, `top_k_logits`, `MDMGenerationMixin._mdm_sample`), current version
for `p2` and the earlier version (confidence only at masked positions) for `p2-legacy`.

Model: transformers' Qwen2ForCausalLM in float32, eager attention, all-visible (bidirectional) attention
mask, one sequence per forward (`verify.hf_bidirectional`). Logits are shifted: the prediction for
position j is raw row max(j-1, 0).

Input / output
    ids = encode(prefix) + [MASK] * m + encode(suffix), prefix and suffix encoded separately with the
    model directory's tokenizer.json (tokenizers library, add_special_tokens=False).
    text = decode(ids[len(p) : len(p) + m], skip_special_tokens=True). Ids the tokenizer does not know
    (>= its size) are dropped by decode; the mask id is special and dropped too.

sample_tokens(logits, temperature, top_p, top_k, alg), per candidate row, all float32:
    1. temperature > 0: logits /= temperature
    2. top_p < 1: sort descending, cum = cumsum(softmax(sorted)); remove token i of the sorted order when
       cum[i-1] > top_p (the top-1 is always kept); removed logits become finfo(float32).min
    3. top_k (not None / 0): remove logits < the k-th largest (ties at the k-th are kept)
    4. probs = softmax(logits) float32; x0 = argmax(probs) at temperature 0, else a categorical draw
    5. confidence = probs[x0]; `entropy`: sum(probs * log(clamp(probs, 1e-10))); `topk_margin`: p1 - p2
    Steps 2-3 apply at temperature 0 too (same argmax, renormalised confidences).

Algorithms (N = number of MASK positions in the initial canvas = the non-fixed positions):
    every step i in 0..steps-1 starts with "if no position is MASK: stop", then one forward.
    p2          k = trunc(float32(N) * float32(1 - (i+1)/steps)), where 1 - (i+1)/steps is a Python float
                (double) rounded once to float32 by torch's float32 multiply: N=108, steps=12 gives
                [99,90,81,72,62,54,45,36,27,18,9,0]; rounding kappa or 1 - kappa to float32 separately is
                wrong (N=3, steps=3: [2,1,0], not [1,0,0]). Confidence at every non-fixed position
                (a decoded position is ranked by its newly sampled token); the k lowest become MASK;
                positions MASK before the step and not re-masked take x0; decoded positions not
                re-masked keep their token (so p2 can re-mask decoded tokens).
    p2-legacy   same k, confidence only at positions that are MASK before the step (the rest +inf):
                nothing decoded is ever re-masked.
    maskgit_plus / entropy / topk_margin
                ts = torch.linspace(1, eps=1e-3, steps+1) float32, t = ts[i], s = ts[i+1];
                c = trunc(float32(n_mask) * (1 - s/t)) (float32), c = n_mask on the last step;
                the c highest confidences among MASK positions take x0. alg_temp > 0: the c highest of
                confidence/alg_temp + Gumbel(u), u = torch.rand over the whole sequence (generator),
                clamped to [1e-20, 1-1e-20], non-masked positions -inf.
    origin      p = 1 - s/t (float32; 1 on the last step); u = torch.rand(n_mask) (float32, masked
                positions in ascending order); positions with u < p take x0. Random even at
                temperature 0: this reference draws from a seeded torch.Generator (the Open-dLLM code
                uses the global RNG). Other runtimes cannot reproduce torch's generator, so origin parity
                is only checkable by replaying the recorded uniforms or by properties (schedule, forward
                count, every committed token = argmax of its row at temperature 0).
    Temperature > 0 draws x0 with torch.multinomial(probs, 1, generator) (Open-dLLM: Categorical on the
    global RNG); no recorded case uses it.
    A sampled MASK id leaves the position masked (one more forward may follow). Other ids the tokenizer
    does not know (>= tokenizer size) are written like ordinary tokens (the reference only tests
    `x == mask_id`) and dropped by decode.

Tie rule (the Open-dLLM sort / top-k order among equal keys is unspecified; this reference fixes it):
    LOWER POSITION FIRST among equal sort keys. p2 / p2-legacy sort ascending by confidence and re-mask
    the first k, so among equal confidences the lower position is re-masked; the maskgit family sorts
    descending and transfers the first c, so among equal confidences the lower position is transferred
    (Gumbel scores likewise). Argmax ties go to the lowest token id; the top_p sort is descending by logit
    with ties to the lower id (stable sort).

Deciding gap (how far a step's selection is from flipping): the difference between the sort keys of the
first unselected and the last selected candidate, when the step selects some but not all candidates
(null otherwise). Two kinds of equality are exact in every correct float implementation and are decided
by the tie rule, not by arithmetic: positions that read the same logits row (empty prefix: middle
positions 0 and 1 both read row 0) and positions whose filtered distribution keeps one token
(confidence exactly 1, margin 1, entropy 0). Runs of such exactly-equal candidates are one group; a
boundary inside a group is a `tie_split`, and its gap is measured to the neighbouring groups.
argmax_gap: top1 - top2 of the raw logits over the rows whose token is committed in the step.
deciding_filter_margin: the smallest |cumsum - top_p| (or k-th minus (k+1)-th logit) over the rows whose
flipped filter decision would change the step's selection (recomputed with the flipped confidence).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import transformers
from tokenizers import Tokenizer

from . import ExportError
from .verify import hf_bidirectional

ALGORITHMS = ("p2", "p2-legacy", "maskgit_plus", "entropy", "topk_margin", "origin")
MASKGIT_FAMILY = ("maskgit_plus", "entropy", "topk_margin")
EPS = 1e-3
F32_MIN = float(torch.finfo(torch.float32).min)
MIN_GAP = 1e-4  # recorded cases: every deciding gap / argmax gap / deciding filter margin is above this


def encode(tok: Tokenizer, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids


def canvas(tok: Tokenizer, mask_id: int, prefix: str, suffix: str, m: int) -> tuple[list[int], int]:
    """(ids, middle_start) with ids = encode(prefix) + [MASK]*m + encode(suffix)."""
    p = encode(tok, prefix)
    return p + [mask_id] * m + encode(tok, suffix), len(p)


def shifted_logits(hf, ids: list[int]) -> torch.Tensor:
    """[L, V] float32: row j = raw row max(j-1, 0) of one bidirectional forward."""
    raw = torch.from_numpy(hf_bidirectional(hf, [ids])[0])
    return torch.cat([raw[:1], raw[:-1]], dim=0)


def logits_row(j: int) -> int:
    return max(j - 1, 0)


# ---------------------------------------------------------------- schedules (float32, as the reference)


def p2_num_to_mask(n: int, i: int, steps: int) -> int:
    """(num_positions.float() * (1 - kappa_t)).long(): float32 tensor times a Python float (cast to float32)."""
    return int((torch.tensor([n], dtype=torch.int64).float() * (1 - (i + 1) / steps)).long()[0])


def p2_schedule(n: int, steps: int) -> list[int]:
    return [p2_num_to_mask(n, i, steps) for i in range(steps)]


def p2_schedule_f64(n: int, steps: int) -> list[int]:
    return [math.floor(n * (1 - (i + 1) / steps)) for i in range(steps)]


def timesteps(steps: int) -> torch.Tensor:
    return torch.linspace(1, EPS, steps + 1)  # float32


def maskgit_count(n_mask: int, i: int, steps: int, ts: torch.Tensor) -> int:
    if i >= steps - 1:
        return n_mask
    t, s = ts[i], ts[i + 1]
    return int((torch.tensor([n_mask], dtype=torch.int64).float() * (1 - s / t)).long()[0])


def maskgit_schedule(n: int, steps: int) -> list[int]:
    """Per-step transfer counts when every transferred token is an ordinary id (no MASK sampled)."""
    ts, out, left = timesteps(steps), [], n
    for i in range(steps):
        c = maskgit_count(left, i, steps, ts)
        out.append(c)
        left -= c
    return out


def maskgit_schedule_f64(n: int, steps: int) -> list[int]:
    ts, out, left = np.linspace(1.0, EPS, steps + 1), [], n
    for i in range(steps):
        c = left if i == steps - 1 else math.floor(left * (1 - ts[i + 1] / ts[i]))
        out.append(c)
        left -= c
    return out


def origin_p_transfer(i: int, steps: int, ts: torch.Tensor) -> float:
    return 1.0 if i >= steps - 1 else float(1 - ts[i + 1] / ts[i])


# ---------------------------------------------------------------- sample_tokens


@dataclass
class Sampled:
    confidence: torch.Tensor  # [P] float32
    x0: torch.Tensor  # [P] int64
    single: list[bool]  # the filtered distribution keeps exactly one token (confidence exactly 1 / 1 / 0)
    argmax_gap: list[float]  # top1 - top2 of the unfiltered (raw) logits, per row
    margin: list[float]  # distance of the row's nearest top_p / top_k decision from flipping (inf: no filter)
    alt_confidence: list[float | None]  # confidence if that decision flipped (None: unknown, both filters on)
    alt_single: list[bool]


def top_p_logits(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Open-dLLM top_p_logits; the sort is stable (equal logits: lower id first)."""
    sorted_logits, sorted_indices = torch.sort(logits, dim=-1, descending=True, stable=True)
    cumulative = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
    remove = cumulative > top_p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    mask = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, sorted_indices, remove)
    return logits.masked_fill(mask, F32_MIN)


def top_k_logits(logits: torch.Tensor, top_k: int | None) -> torch.Tensor:
    if top_k is None or top_k == 0:
        return logits
    top_k = min(top_k, logits.size(-1))
    kth = torch.topk(logits, top_k)[0][..., -1, None]
    return logits.masked_fill(logits < kth, F32_MIN)


def _keep_only(row: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    out = torch.full_like(row, F32_MIN)
    out[ids] = row[ids]
    return out


def _top_p_flip(row: torch.Tensor, top_p: float) -> tuple[float, torch.Tensor | None]:
    """(margin, filtered row with the nearest cut decision flipped). Token i (sorted order, i >= 1) is removed
    when cum[i-1] > top_p; K tokens are kept. Flips: cum[K-1] falling to <= top_p keeps K+1, cum[K-2] rising
    above top_p keeps K-1."""
    sorted_logits, idx = torch.sort(row, descending=True, stable=True)
    cum = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1).double().tolist()
    v = len(cum)
    kept = 1 + sum(1 for c in cum[:-1] if c <= top_p)
    options = []
    if kept < v:
        options.append((cum[kept - 1] - top_p, kept + 1))
    if kept >= 2:
        options.append((top_p - cum[kept - 2], kept - 1))
    if not options:
        return math.inf, None
    margin, alt_kept = min(options)
    return margin, _keep_only(row, idx[:alt_kept])


def _top_k_flip(row: torch.Tensor, top_k: int) -> tuple[float, torch.Tensor | None]:
    """(k-th minus (k+1)-th logit, row keeping k+1 tokens): a tie at the k-th keeps both."""
    v = row.numel()
    if top_k == 0 or top_k >= v:
        return math.inf, None
    values, idx = torch.sort(row, descending=True, stable=True)
    if float(values[top_k - 1]) <= F32_MIN:
        return math.inf, None
    return float(values[top_k - 1].double() - values[top_k].double()), _keep_only(row, idx[:top_k + 1])


def _confidence(filtered: torch.Tensor, x0: torch.Tensor, alg: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(confidence, probs) from already filtered logits (steps 4-5)."""
    probs = torch.softmax(filtered.float(), dim=-1)
    if alg == "topk_margin":
        sorted_probs = torch.sort(probs, dim=-1, descending=True).values
        return sorted_probs[..., 0] - sorted_probs[..., 1], probs
    if alg == "entropy":
        return (probs * torch.log(probs.clamp(min=1e-10))).sum(dim=-1), probs
    if alg not in ("maskgit_plus", "origin", "p2", "p2-legacy"):
        raise ExportError(f"unknown diffusion algorithm {alg!r}")
    return torch.gather(probs, -1, x0.unsqueeze(-1)).squeeze(-1), probs


def sample_tokens(logits: torch.Tensor, temperature: float = 0.0, top_p: float | None = None,
                  top_k: int | None = None, alg: str = "p2", generator: torch.Generator | None = None) -> Sampled:
    """Open-dLLM sample_tokens on rows [P, V] (float32), plus the diagnostics of Sampled."""
    raw = logits
    if temperature > 0:
        logits = logits / temperature
    scaled = logits
    use_p = top_p is not None and top_p < 1
    use_k = top_k is not None and top_k != 0
    if use_p:
        logits = top_p_logits(logits, top_p)
    if top_k is not None:
        logits = top_k_logits(logits, top_k)
    probs = torch.softmax(logits.float(), dim=-1)
    if temperature > 0:
        x0 = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
    else:
        best = probs.max(dim=-1, keepdim=True).values
        x0 = torch.argmax((probs == best).to(torch.int8), dim=-1)  # first maximum = lowest id
    confidence, _ = _confidence(logits, x0, alg)

    n = raw.shape[0]
    single = ((logits > F32_MIN).sum(dim=-1) == 1).tolist()
    top2 = torch.topk(raw, 2, dim=-1).values.double() if n else torch.zeros(0, 2)
    argmax_gap = (top2[:, 0] - top2[:, 1]).tolist()
    margin, alt_conf, alt_single = [math.inf] * n, [None] * n, [False] * n
    if use_p or use_k:
        for r in range(n):
            if use_p and use_k:  # not recorded; no flip model for the combination
                mp, _ = _top_p_flip(scaled[r], top_p)
                mk, _ = _top_k_flip(top_p_logits(scaled[r:r + 1], top_p)[0], top_k)
                margin[r] = min(mp, mk)
                continue
            margin[r], alt = _top_p_flip(scaled[r], top_p) if use_p else _top_k_flip(scaled[r], top_k)
            if alt is not None:
                c, _ = _confidence(alt[None], x0[r:r + 1], alg)
                alt_conf[r] = float(c[0])
                alt_single[r] = int((alt > F32_MIN).sum()) == 1
    return Sampled(confidence, x0, single, argmax_gap, margin, alt_conf, alt_single)


# ---------------------------------------------------------------- selection with the tie rule


def _classes(positions: list[int], single: list[bool]) -> list:
    """Exact-equality class per candidate: 'single' (one token survives the filters), else the logits row when
    another candidate reads the same row, else None."""
    rows = [logits_row(j) for j in positions]
    return ["single" if single[a] else (("row", rows[a]) if rows.count(rows[a]) > 1 else None)
            for a in range(len(positions))]


def _deciding_gap(keys: list[float], classes: list, order: list[int], n_sel: int) -> tuple[float | None, bool]:
    """Gap between the first unselected and the last selected key (module doc), and whether the boundary
    splits a group of exactly-equal candidates (decided by the tie rule alone)."""
    n = len(order)
    if n_sel <= 0 or n_sel >= n:
        return None, False
    group = [0] * n
    for r in range(1, n):
        a, b = order[r - 1], order[r]
        same = keys[a] == keys[b] and classes[a] is not None and classes[a] == classes[b]
        group[r] = group[r - 1] + (0 if same else 1)
    last_sel, first_unsel = n_sel - 1, n_sel
    if group[last_sel] != group[first_unsel]:
        return keys[order[first_unsel]] - keys[order[last_sel]], False
    members = [r for r in range(n) if group[r] == group[last_sel]]
    lo, hi = members[0], members[-1]
    gaps = []
    if lo > 0:
        gaps.append(keys[order[lo]] - keys[order[lo - 1]])
    if hi < n - 1:
        gaps.append(keys[order[hi + 1]] - keys[order[hi]])
    return (min(gaps) if gaps else None), True


def select(keys: list[float], classes: list, positions: list[int], n_sel: int) -> tuple[list[int], float | None, bool]:
    """The n_sel candidates with the smallest keys, ties to the lower position: (chosen positions in order,
    deciding gap, tie_split)."""
    order = sorted(range(len(positions)), key=lambda a: (keys[a], positions[a]))
    gap, split = _deciding_gap(keys, classes, order, n_sel)
    return [positions[a] for a in order[:n_sel]], gap, split


def _deciding_filter_margin(keys, positions, n_sel, chosen, s: Sampled, key_of) -> float | None:
    """Smallest filter margin among rows whose flipped filter decision would change this step's selection
    (or bring it within MIN_GAP of flipping). Positions reading the same logits row flip together."""
    worst = None
    base = set(chosen)
    for a in range(len(positions)):
        if not math.isfinite(s.margin[a]):
            continue
        harmful = True
        if s.alt_confidence[a] is not None:
            k2, single2 = list(keys), list(s.single)
            for b in range(len(positions)):
                if logits_row(positions[b]) == logits_row(positions[a]):
                    k2[b], single2[b] = key_of(s.alt_confidence[a]), s.alt_single[a]
            chosen2, gap2, _ = select(k2, _classes(positions, single2), positions, n_sel)
            harmful = set(chosen2) != base or (gap2 is not None and gap2 <= MIN_GAP)
        if harmful:
            worst = s.margin[a] if worst is None else min(worst, s.margin[a])
    return worst


# ---------------------------------------------------------------- denoising loop


@dataclass
class Run:
    ids: list[int]
    forwards: int = 0
    trace: list[dict] = field(default_factory=list)
    remask_count: int = 0
    mask_sampled: int = 0


def _min(values) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return min(values) if values else None


def denoise(hf, ids: list[int], mask_id: int, steps: int, alg: str, temperature: float = 0.0,
            top_p: float | None = None, top_k: int | None = None, alg_temp: float = 0.0,
            generator: torch.Generator | None = None, forward=None) -> Run:
    """Open-dLLM's sampling loop on one sequence. forward(ids) -> [L, V] shifted float32 logits
    (default: transformers, bidirectional, via shifted_logits(hf, ids))."""
    if alg not in ALGORITHMS:
        raise ExportError(f"unknown diffusion algorithm {alg!r}")
    if steps < 1:
        raise ExportError("steps must be >= 1")
    forward = forward or (lambda seq: shifted_logits(hf, seq))
    x = list(ids)
    fixed = [t != mask_id for t in x]
    n_initial = sum(not f for f in fixed)
    ts = timesteps(steps)
    run = Run(ids=x)
    for i in range(steps):
        masked = [j for j, t in enumerate(x) if t == mask_id]
        if not masked:
            break
        logits = forward(x)
        run.forwards += 1
        rec = {"step": i, "masked_before": len(masked)}

        if alg == "origin":
            p = origin_p_transfer(i, steps, ts)
            u = torch.rand(len(masked), generator=generator)  # float32, masked positions in ascending order
            go = [j for j, uu in zip(masked, u.tolist()) if uu < p]
            s = sample_tokens(logits[go], temperature, top_p, top_k, alg, generator)
            x0 = s.x0.tolist()
            for j, t in zip(go, x0):
                x[j] = t
            run.mask_sampled += sum(t == mask_id for t in x0)
            rec.update({"p_transfer": p, "uniforms": u.tolist(), "selected": go,
                        "deciding_gap": float((u.double() - p).abs().min()) if p < 1 else None, "tie_split": False,
                        "argmax_gap": _min(s.argmax_gap), "filter_margin": _min(s.margin),
                        "deciding_filter_margin": None})

        elif alg in ("p2", "p2-legacy"):
            k = p2_num_to_mask(n_initial, i, steps)
            # candidates: every non-fixed position (p2) or only the masked ones (p2-legacy); the rest are +inf
            cand = [j for j in range(len(x)) if not fixed[j]] if alg == "p2" else masked
            if k > len(cand):
                raise ExportError(f"p2 step {i}: {k} to re-mask but only {len(cand)} finite confidences")
            s = sample_tokens(logits[cand], temperature, top_p, top_k, alg, generator)
            keys = s.confidence.tolist()
            chosen, gap, split = select(keys, _classes(cand, s.single), cand, k)
            to_mask = set(chosen)
            x0 = dict(zip(cand, s.x0.tolist()))
            was_masked = set(masked)
            remasked = sorted(j for j in to_mask if j not in was_masked)
            committed = [a for a, j in enumerate(cand) if j in was_masked and j not in to_mask]
            for j in to_mask:
                x[j] = mask_id
            for a in committed:
                x[cand[a]] = x0[cand[a]]
                run.mask_sampled += x0[cand[a]] == mask_id
            run.remask_count += len(remasked)
            rec.update({"k": k, "selected": chosen, "remasked_decoded": remasked, "deciding_gap": gap,
                        "tie_split": split, "argmax_gap": _min(s.argmax_gap[a] for a in committed),
                        "filter_margin": _min(s.margin),
                        "deciding_filter_margin": _deciding_filter_margin(keys, cand, k, chosen, s, lambda c: c)})

        else:  # maskgit family
            s = sample_tokens(logits[masked], temperature, top_p, top_k, alg, generator)
            c = maskgit_count(len(masked), i, steps, ts)
            if alg_temp and alg_temp > 0:
                full = torch.full((len(x),), -math.inf, dtype=torch.float32)
                full[masked] = s.confidence
                uniform = torch.rand(len(x), generator=generator).clamp_(min=1e-20, max=1 - 1e-20)
                scores = (full / alg_temp + (-torch.log(-torch.log(uniform))))[masked].tolist()
                keys, classes = [-v for v in scores], [None] * len(masked)  # noise breaks exact equalities
            else:
                keys, classes = [-v for v in s.confidence.tolist()], _classes(masked, s.single)
            chosen, gap, split = select(keys, classes, masked, c)
            x0 = dict(zip(masked, s.x0.tolist()))
            for j in chosen:
                x[j] = x0[j]
                run.mask_sampled += x0[j] == mask_id
            pos = {j: a for a, j in enumerate(masked)}
            fm = None
            if not (alg_temp and alg_temp > 0):
                fm = _deciding_filter_margin(keys, masked, c, chosen, s, lambda v: -v)
            rec.update({"transfer": c, "selected": chosen, "deciding_gap": gap, "tie_split": split,
                        "argmax_gap": _min(s.argmax_gap[pos[j]] for j in chosen), "filter_margin": _min(s.margin),
                        "deciding_filter_margin": fm})

        rec["ids_after"] = list(x)
        run.trace.append(rec)
    run.ids = x
    return run


def expected_forwards(alg: str, n: int, steps: int) -> int | None:
    """Forward count when no MASK id is sampled (REFERENCE.md): p2 family steps - ceil(steps/N) + 1,
    maskgit family steps; 0 without masks; origin random (None)."""
    if n == 0:
        return 0
    if alg in ("p2", "p2-legacy"):
        return steps - math.ceil(steps / n) + 1
    if alg in MASKGIT_FAMILY:
        return steps
    return None


# ---------------------------------------------------------------- one-shot masked score


def masked_score(hf, tok: Tokenizer, mask_id: int, prefix: str, suffix: str, candidate: str) -> dict:
    """Mask every middle token, one forward, log p of the true candidate tokens at their shifted rows."""
    p, c, s = encode(tok, prefix), encode(tok, candidate), encode(tok, suffix)
    ids = p + [mask_id] * len(c) + s
    positions = list(range(len(p), len(p) + len(c)))
    lp32, lp64 = [], []
    if c:
        logits = shifted_logits(hf, ids)
        rows = logits[positions]
        ls32 = torch.log_softmax(rows, dim=-1)
        ls64 = torch.log_softmax(rows.double(), dim=-1)
        lp32 = [float(ls32[a, t]) for a, t in enumerate(c)]
        lp64 = [float(ls64[a, t]) for a, t in enumerate(c)]
    return {
        "prefix": prefix, "suffix": suffix, "candidate": candidate,
        "input_ids": ids, "middle_start": len(p), "candidate_ids": c,
        "logits_rows": [logits_row(j) for j in positions],
        "logprobs_f32": lp32, "logprobs_f64": lp64,
        "sum_logprob_f32": float(sum(lp32)), "sum_logprob_f64": float(math.fsum(lp64)) if lp64 else 0.0,
        "forwards": 1 if c else 0,
    }


# ---------------------------------------------------------------- reference/denoise.json

INPUTS = [  # (name, prefix, suffix); the first four form the main grid, all are tried for filtered cases
    ("add", "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n"),
    ("empty_prefix", "", "\n    return result\n"),
    ("empty_suffix", "def below_zero(operations: List[int]) -> bool:\n    balance = 0\n", ""),
    ("loop", "    for x in numbers:\n        ", "\n    return total\n"),
    ("sum", "def sum_list(numbers):\n    total = 0\n", "\n    return total\n"),
    ("paren", "    for c in paren_string:\n        if c == '(':\n", "\n    return result\n"),
    ("mean", "    mean = sum(numbers) / len(numbers)\n    return ", "\n"),
    ("balance", "    for op in operations:\n        balance += op\n", "\n    return False\n"),
]
GRID_INPUTS = ["add", "empty_prefix", "empty_suffix", "loop"]
MIDDLE_LENGTHS = [1, 4, 9, 16]
STEP_COUNTS = [1, 3, 4, 8, 16]  # 3: 1 - 1/3 is not a float32, schedule readings differ (N=9)
DENOISE_ALGS = ["p2", "p2-legacy", "maskgit_plus", "entropy", "topk_margin"]
# filtered cases (temperature 0): per algorithm and filter, the first qualifying candidate that changes
# the trajectory relative to the unfiltered run (else the first qualifying one), in this order
FILTERS = [("top_p", 0.9), ("top_k", 5)]
FILTER_CANDIDATES = [(inp, m, st) for inp, _, _ in INPUTS for m in (9, 16, 4) for st in (8, 16, 4)]

SCHEDULE_P2 = [(108, 12), (3, 3), (9, 3), (64, 64), (16, 16), (9, 8), (4, 16), (1, 16), (100, 64), (37, 10), (200, 7)]
SCHEDULE_MASKGIT = [(108, 12), (64, 64), (16, 16), (9, 8), (4, 16), (1, 16), (100, 64), (37, 10), (200, 7),
                    (2000, 2), (1000, 3)]
GRID_N, GRID_STEPS = 2048, 128  # all (n, steps) with 1 <= n <= GRID_N, 1 <= steps <= GRID_STEPS
GRID_EXAMPLES = 50

SCORE_TRIPLES = [
    ("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", "a + b"),
    ("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", "a - b"),
    ("", "\n    return result\n", "def f(numbers):\n    result = []"),
    ("def below_zero(operations: List[int]) -> bool:\n    balance = 0\n", "",
     "    for op in operations:\n        balance += op\n"),
    ("def add(a, b):\n    return ", "\n", ""),
]

ORIGIN_CASES = [("add", 9, 8, 0), ("empty_prefix", 4, 4, 1), ("loop", 16, 16, 2)]  # input, m, steps, seed


def _g(x: float | None) -> float | None:
    """Gaps and margins are diagnostics: 6 significant digits."""
    return None if x is None else float(f"{x:.6g}")


def _case_summary(run: Run) -> dict:
    t = run.trace
    return {
        "min_deciding_gap": _min(r["deciding_gap"] for r in t),
        "tie_splits": sum(r["tie_split"] for r in t),
        "min_argmax_gap": _min(r["argmax_gap"] for r in t),
        "min_filter_margin": _min(r["filter_margin"] for r in t),
        "min_deciding_filter_margin": _min(r["deciding_filter_margin"] for r in t),
    }


GAP_FIELDS = ("deciding_gap", "argmax_gap", "filter_margin", "deciding_filter_margin")
DECIDING = ("min_deciding_gap", "min_argmax_gap", "min_deciding_filter_margin")


def _qualifies(case: dict) -> bool:
    """Decided on the unrounded values."""
    return all(case[k] is None or case[k] > MIN_GAP for k in DECIDING)


def _round_case(case: dict) -> dict:
    for k in GAP_FIELDS:
        case["min_" + k] = _g(case["min_" + k])
        for r in case["trace"]:
            r[k] = _g(r[k])
    return case


def _trace_json(run: Run, start: int, m: int) -> list[dict]:
    out = []
    for r in run.trace:
        e = {k: v for k, v in r.items() if k != "ids_after"}
        e["middle_after"] = r["ids_after"][start:start + m]
        out.append(e)
    return out


class CachedForward:
    """Shifted logits per distinct canvas (the forward is deterministic; many runs share canvases)."""

    def __init__(self, hf):
        self.hf, self.cache, self.calls = hf, {}, 0

    def __call__(self, ids: list[int]) -> torch.Tensor:
        self.calls += 1
        key = tuple(ids)
        if key not in self.cache:
            self.cache[key] = shifted_logits(self.hf, ids)
        return self.cache[key]


def _denoise_case(fwd, tok, mask_id, inputs, inp, m, steps, alg, top_p, top_k) -> dict:
    prefix, suffix = inputs[inp]
    ids, start = canvas(tok, mask_id, prefix, suffix, m)
    run = denoise(None, ids, mask_id, steps, alg, 0.0, top_p, top_k, 0.0, forward=fwd)
    middle = run.ids[start:start + m]
    return {
        "id": f"{alg}/{inp}/m{m}/s{steps}" + (f"/top_p{top_p}" if top_p is not None and top_p < 1 else "")
        + (f"/top_k{top_k}" if top_k is not None else ""),
        "input": inp, "input_ids": ids, "middle_start": start, "m": m, "steps": steps, "algorithm": alg,
        "temperature": 0.0, "top_p": 1.0 if top_p is None else top_p, "top_k": top_k, "alg_temp": 0.0, "eps": EPS,
        "middle_ids": middle,
        "text": tok.decode(middle, skip_special_tokens=True),
        "forwards": run.forwards,
        "expected_forwards": expected_forwards(alg, m, steps),
        "mask_id_sampled": run.mask_sampled,
        "remask_count": run.remask_count,
        **_case_summary(run),
        "trace": _trace_json(run, start, m),
    }


def _p2_matrix(n_all: torch.Tensor, steps: int, variant: str) -> np.ndarray:
    """[n, steps] k values. float32: torch float32 tensor times the Python float (= float32 * float32);
    product_only: float32(N * double(1 - kappa)) (rounding only the product); kappa_float32: kappa and 1 - kappa
    rounded to float32 too (another wrong reading); float64: all double."""
    fr = [1 - (i + 1) / steps for i in range(steps)]
    if variant == "float32":
        return torch.stack([(n_all.float() * f).long() for f in fr], dim=1).numpy()
    if variant == "kappa_float32":
        f32 = np.float32
        om = np.array([f32(1) - f32((i + 1) / steps) for i in range(steps)], dtype=np.float32)
        return np.floor(n_all.numpy().astype(np.float32)[:, None] * om[None, :]).astype(np.int64)
    n64 = n_all.numpy().astype(np.float64)[:, None] * np.array(fr)[None, :]
    if variant == "product_only":
        return np.floor(n64.astype(np.float32)).astype(np.int64)
    return np.floor(n64).astype(np.int64)


def _maskgit_matrix(n_all: torch.Tensor, steps: int, variant: str) -> np.ndarray:
    """[n, steps] transfer counts. float32: torch (float32 ts and arithmetic); float32_ts: float32 ts values,
    double arithmetic; float64: numpy float64 linspace and double arithmetic."""
    if variant == "float32":
        ts, left, cs = timesteps(steps), n_all.clone(), []
        for i in range(steps):
            c = left.clone() if i == steps - 1 else (left.float() * (1 - ts[i + 1] / ts[i])).long()
            cs.append(c)
            left = left - c
        return torch.stack(cs, dim=1).numpy()
    ts = timesteps(steps).double().numpy() if variant == "float32_ts" else np.linspace(1.0, EPS, steps + 1)
    left, cs = n_all.numpy().astype(np.int64), []
    for i in range(steps):
        c = left.copy() if i == steps - 1 else np.floor(left * (1 - ts[i + 1] / ts[i])).astype(np.int64)
        cs.append(c)
        left = left - c
    return np.stack(cs, axis=1)


def _grid(matrix, alt_variants: list[str], key: str) -> dict:
    n_all = torch.arange(1, GRID_N + 1, dtype=torch.int64)
    h, total = hashlib.sha256(), 0
    differing = {v: 0 for v in alt_variants}
    examples = []
    for steps in range(1, GRID_STEPS + 1):
        a = matrix(n_all, steps, "float32")
        h.update(a.astype("<i4").tobytes())
        total += a.shape[0]
        for v in alt_variants:
            b = matrix(n_all, steps, v)
            rows = np.nonzero((a != b).any(axis=1))[0]
            differing[v] += len(rows)
            if v == "float64":
                examples += [{"n": int(r) + 1, "steps": steps, key: a[r].tolist(), f"{key}_float64": b[r].tolist()}
                             for r in rows]
    pick = [examples[(j * len(examples)) // GRID_EXAMPLES] for j in range(min(GRID_EXAMPLES, len(examples)))]
    return {"n_max": GRID_N, "steps_max": GRID_STEPS, "pairs": total, "sha256_int32le": h.hexdigest(),
            "differing_pairs": differing, "examples": pick}


def schedules_reference() -> dict:
    # the grids are vectorised over n with the same torch float32 ops as the scalar functions (checked here)
    n_all = torch.arange(1, GRID_N + 1, dtype=torch.int64)
    for n, steps in SCHEDULE_P2:
        assert _p2_matrix(n_all, steps, "float32")[n - 1].tolist() == p2_schedule(n, steps)
    for n, steps in SCHEDULE_MASKGIT:
        assert _maskgit_matrix(n_all, steps, "float32")[n - 1].tolist() == maskgit_schedule(n, steps)
    return {
        "rules": {
            "p2": "k[i] = trunc(float32(N) * float32(1 - (i+1)/steps)) for i = 0..steps-1 (every i, although the "
            "loop stops once no MASK is left); k_product_only = trunc(float32(N * (1 - (i+1)/steps))) rounds only "
            "the product (a wrong port), k_kappa_float32 = trunc(f32(f32(N) * f32(1 - f32((i+1)/steps)))) rounds kappa "
            "and 1 - kappa to float32 as well (a wrong port: N=3, steps=3 gives [1, 0, 0] instead of [2, 1, 0]), "
            "k_float64 = floor(N * (1 - (i+1)/steps)) in double. Open-dLLM computes 1 - (i+1)/steps as a Python "
            "float (double) and torch casts that scalar to float32 for the float32 multiply",
            "maskgit": "ts = torch.linspace(1, 1e-3, steps+1) float32 (values listed in ts); counts[i] = "
            "trunc(float32(n_i) * float32(1 - ts[i+1]/ts[i])) for i < steps-1, counts[steps-1] = n_{steps-1}; "
            "n_0 = n, n_{i+1} = n_i - counts[i] (no MASK id sampled); counts_float64: numpy float64 linspace and "
            "double arithmetic",
            "origin": "origin_p_transfer[i] = float32(1 - ts[i+1]/ts[i]) for i < steps-1, 1 on the last step",
            "grid": "every 1 <= n <= n_max, 1 <= steps <= steps_max; sha256_int32le = sha256 over, for steps = "
            "1..steps_max, for n = 1..n_max, the float32-rule counts[0..steps-1] as int32 little-endian; "
            "differing_pairs per wrong variant (p2: float64, product_only, kappa_float32; maskgit: float64, float32_ts = float32 ts "
            "values but double arithmetic); examples = up to 50 float64-differing pairs spread evenly over the "
            "differing list (steps-major, n ascending)",
        },
        "p2": [{"n": n, "steps": st, "k": p2_schedule(n, st),
                "k_product_only": _p2_matrix(torch.tensor([n]), st, "product_only")[0].tolist(),
                "k_kappa_float32": _p2_matrix(torch.tensor([n]), st, "kappa_float32")[0].tolist(),
                "k_float64": p2_schedule_f64(n, st)} for n, st in SCHEDULE_P2],
        "maskgit": [{"n": n, "steps": st, "ts": timesteps(st).tolist(), "counts": maskgit_schedule(n, st),
                     "counts_float64": maskgit_schedule_f64(n, st),
                     "origin_p_transfer": [origin_p_transfer(i, st, timesteps(st)) for i in range(st)]}
                    for n, st in SCHEDULE_MASKGIT],
        "p2_grid": _grid(_p2_matrix, ["float64", "product_only", "kappa_float32"], "k"),
        "maskgit_grid": _grid(_maskgit_matrix, ["float64", "float32_ts"], "counts"),
    }


def denoise_reference(hf, tok: Tokenizer, manifest: dict) -> dict:
    mask_id = manifest["special_ids"]["mask"]
    inputs = {name: (p, s) for name, p, s in INPUTS}
    fwd = CachedForward(hf)
    cases, dropped = [], []

    for alg in DENOISE_ALGS:
        for inp in GRID_INPUTS:
            for m in MIDDLE_LENGTHS:
                for st in STEP_COUNTS:
                    case = _denoise_case(fwd, tok, mask_id, inputs, inp, m, st, alg, None, None)
                    (cases if _qualifies(case) else dropped).append(case)

    for alg in DENOISE_ALGS:
        for fname, fval in FILTERS:
            top_p, top_k = (fval, None) if fname == "top_p" else (None, fval)
            chosen = None
            for inp, m, st in FILTER_CANDIDATES:
                case = _denoise_case(fwd, tok, mask_id, inputs, inp, m, st, alg, top_p, top_k)
                if not _qualifies(case):
                    continue
                ref = _denoise_case(fwd, tok, mask_id, inputs, inp, m, st, alg, None, None)
                case["unfiltered_id"] = ref["id"]
                case["unfiltered_middle_ids"] = ref["middle_ids"]
                case["differs_from_unfiltered"] = (
                    [r["middle_after"] for r in case["trace"]] != [r["middle_after"] for r in ref["trace"]]
                    or [r["selected"] for r in case["trace"]] != [r["selected"] for r in ref["trace"]])
                if case["differs_from_unfiltered"]:
                    chosen = case
                    break
                chosen = chosen or case
            if chosen is not None:
                cases.append(chosen)

    origin = []
    for inp, m, st, seed in ORIGIN_CASES:
        prefix, suffix = inputs[inp]
        ids, start = canvas(tok, mask_id, prefix, suffix, m)
        run = denoise(None, ids, mask_id, st, "origin", generator=torch.Generator().manual_seed(seed), forward=fwd)
        middle = run.ids[start:start + m]
        origin.append(_round_case({
            "id": f"origin/{inp}/m{m}/s{st}/seed{seed}", "input": inp, "input_ids": ids, "middle_start": start,
            "m": m, "steps": st, "algorithm": "origin", "temperature": 0.0, "top_p": 1.0, "top_k": None, "eps": EPS,
            "torch_seed": seed, "middle_ids": middle, "text": tok.decode(middle, skip_special_tokens=True),
            "forwards": run.forwards, "mask_id_sampled": run.mask_sampled, **_case_summary(run),
            "trace": _trace_json(run, start, m)}))

    scores = [masked_score(hf, tok, mask_id, p, s, c) for p, s, c in SCORE_TRIPLES]
    per_alg = {alg: sum(c["algorithm"] == alg for c in cases) for alg in DENOISE_ALGS}
    gaps = [c["min_deciding_gap"] for c in cases if c["min_deciding_gap"] is not None]
    return {
        "format": "ensemble-reference-denoise",
        "format_version": 1,
        "model": manifest["name"],
        "reference": f"transformers {transformers.__version__} / torch {torch.__version__.split('+')[0]} "
        "Qwen2ForCausalLM, float32, eager attention, all-visible (bidirectional) attention mask, one sequence "
        "per forward; Open-dLLM samplers re-implemented in ensemble_export/diffusion_reference.py",
        "mask_id": mask_id,
        "tokenizer_size": tok.get_vocab_size(with_added_tokens=True),
        "vocab_size": manifest["vocab_size"],
        "rules": {
            "input": "input_ids = encode(prefix) + [mask_id]*m + encode(suffix); encode = tokenizer.json via the "
            "tokenizers library, add_special_tokens=False, prefix and suffix encoded separately; middle_start = "
            "len(encode(prefix))",
            "shift": "the prediction for position j is raw logits row max(j-1, 0)",
            "output": "middle_ids = final ids[middle_start : middle_start+m]; text = decode(middle_ids, "
            "skip_special_tokens=True) (the mask id and ids >= tokenizer_size are dropped)",
            "sampling": "see module docstring: temperature scaling, top_p then top_k (removed logits = float32 min), "
            "softmax float32, argmax ties to the lowest id, confidence = p[x0] | sum p*log(clamp(p,1e-10)) "
            "(entropy) | p1 - p2 (topk_margin); filters apply at temperature 0 too",
            "loop": "for i in 0..steps-1: stop if no position holds mask_id; one forward per step (forwards)",
            "tie_rule": "lower position first among equal sort keys: p2/p2-legacy re-mask the k lowest confidences "
            "(equal -> lower position re-masked), maskgit family transfers the c highest (equal -> lower position "
            "transferred); argmax ties -> lowest id; top_p sort ties -> lower id",
            "deciding_gap": "per step: key(first unselected) - key(last selected) in the tie-rule order, key = "
            "confidence (p2 family) or -confidence (maskgit family); null when the step selects none or all "
            "candidates. Exactly-equal runs (same logits row, or one token left after filtering) are groups decided "
            "by the tie rule: tie_split = the boundary falls inside such a group, gap then measured to the "
            "neighbouring groups (null if none)",
            "argmax_gap": "per step: min over the rows whose sampled token is written this step (committed) of "
            "top1 - top2 of the raw shifted logits (confidences do not depend on which of tied ids wins)",
            "filter_margin": "per step: min over the sampled rows of the distance of the row's nearest top_p "
            "decision (cumsum vs top_p at the cut) or top_k decision (k-th minus (k+1)-th logit) from flipping; "
            "null without filters (informative only)",
            "deciding_filter_margin": "per step: the same minimum over only the rows whose flipped filter decision "
            "(one token more or fewer kept; rows sharing a logits row flip together) would change the selected set "
            f"or leave it within {MIN_GAP} of flipping; null when no such row",
            "selection": f"cases: every (input in the first four inputs, m, steps) per algorithm, kept when "
            f"min_deciding_gap, min_argmax_gap and min_deciding_filter_margin are all > {MIN_GAP} (or null), else "
            "listed in dropped; filtered cases (one top_p and one top_k per algorithm): the first qualifying "
            "candidate (all inputs x m 9,16,4 x steps 8,16,4, in that order) whose trajectory (selected sets or "
            "middle after each step) differs from the unfiltered run (differs_from_unfiltered), else the first "
            "qualifying one",
            "expected_forwards": "p2/p2-legacy steps - ceil(steps/m) + 1, maskgit family steps (when no mask id is "
            "sampled: mask_id_sampled = 0)",
            "trace": "per forward: step, masked_before, k (p2 family: positions re-masked) or transfer (maskgit "
            "family), selected (absolute positions, selection order), remasked_decoded (p2 family: previously "
            "decoded positions re-masked now), deciding_gap, tie_split, argmax_gap, filter_margin, "
            "deciding_filter_margin, middle_after (the m middle ids after the step); gaps rounded to 6 significant "
            "digits",
            "origin": "origin_cases use torch.Generator().manual_seed(torch_seed): trace.uniforms are the float32 "
            "draws (masked positions ascending), selected = positions with uniform < p_transfer; a port can replay "
            "them; deciding_gap = min |uniform - p_transfer| (null on the last step)",
            "scores": "masked_scores: ids = encode(prefix) + [mask_id]*len(candidate_ids) + encode(suffix), one "
            "forward; logprobs_f32[a] = float32 log_softmax(shifted row)[candidate_ids[a]] (rows = logits_rows), "
            "logprobs_f64 the same in float64 from the float32 logits; sums over the candidate tokens "
            "(sum_logprob_f32 accumulated in float64)",
        },
        "min_gap": MIN_GAP,
        "summary": {
            "cases_per_algorithm": per_alg,
            "dropped": len(dropped),
            "smallest_deciding_gap": _g(min(gaps)) if gaps else None,
            "p2_cases_with_remask": sum(c["algorithm"] == "p2" and c["remask_count"] > 0 for c in cases),
            "tie_split_cases": sum(c["tie_splits"] > 0 for c in cases),
            "mask_id_sampled_cases": sum(c["mask_id_sampled"] > 0 for c in cases),
        },
        "inputs": {name: {"prefix": p, "suffix": s, "prefix_ids": encode(tok, p), "suffix_ids": encode(tok, s)}
                   for name, p, s in INPUTS},
        "cases": [_round_case(c) for c in cases],
        "dropped": [{"id": c["id"], **{k: _g(c[k]) for k in DECIDING}} for c in dropped],
        "origin_cases": origin,
        "masked_scores": scores,
        "schedules": schedules_reference(),
    }


def dump_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def write_denoise_reference(hf, tok: Tokenizer, manifest: dict, model_dir: Path) -> Path:
    torch.set_num_threads(1)
    out = Path(model_dir) / "reference" / "denoise.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_json(denoise_reference(hf, tok, manifest)), encoding="utf-8")
    return out

"""Deterministic byte-level BPE training for the tiny fixture tokenizer.

Plain Python on purpose: the `tokenizers` trainer is parallel and its tie-breaking is not a
documented contract, while fixtures must regenerate bit-for-bit. Pre-tokenisation is the same
Qwen2 regex + NFC the tokenizer uses at encode time.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

import regex

from .tokenizer import QWEN2_SPLIT_REGEX, bytes_to_unicode


def learn_bpe(text: str, num_merges: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Return (vocab, merges): ids 0..255 are the bytes in GPT-2 order, then one id per merge.

    Each step merges the most frequent adjacent pair; ties go to the lexicographically smallest
    pair, so the result depends only on the text.
    """
    b2u = bytes_to_unicode()
    vocab = {c: i for i, c in enumerate(b2u.values())}
    pieces = regex.findall(QWEN2_SPLIT_REGEX, unicodedata.normalize("NFC", text))
    words = Counter(tuple(b2u[b] for b in p.encode("utf-8")) for p in pieces)
    merges: list[tuple[str, str]] = []
    banned: set[tuple[str, str]] = set()  # pairs whose merged string already exists

    while len(merges) < num_merges:
        pairs: Counter = Counter()
        for w, n in words.items():
            for pair in zip(w, w[1:]):
                pairs[pair] += n
        candidates = [(-n, p) for p, n in pairs.items() if p not in banned]
        if not candidates:
            break  # corpus exhausted
        _, best = min(candidates)
        merged = best[0] + best[1]
        if merged in vocab:
            banned.add(best)
            continue
        vocab[merged] = len(vocab)
        merges.append(best)
        words = Counter({_merge(w, best, merged): n for w, n in words.items()})
    if len(merges) < num_merges:
        raise ValueError(f"corpus only supports {len(merges)} merges, {num_merges} requested")
    return vocab, merges


def _merge(word: tuple[str, ...], pair: tuple[str, str], merged: str) -> tuple[str, ...]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(merged)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)

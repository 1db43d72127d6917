"""Qwen2-style byte-level BPE tokenizers in the Hugging Face `tokenizers` (tokenizer.json) format.

Built directly with the `tokenizers` library (not via transformers' slow tokenizer, whose
argument names changed in transformers 5), with Qwen2's pipeline: NFC normaliser, the Qwen2
split regex, ByteLevel pre-tokenizer/decoder without prefix space, no BOS/EOS post-processing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import AddedToken as HFAddedToken
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from . import ExportError

QWEN2_SPLIT_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

EOS_TOKEN = "<|endoftext|>"  # eos = pad, no BOS
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
MASK_TOKEN = "<M>"  # Open-dLLM's diffusion mask, a special added token
# Manifest key -> token. Not special: skip_special_tokens keeps them, so generation must stop on them.
FIM_TOKENS = {
    "prefix": "<|fim_prefix|>",
    "middle": "<|fim_middle|>",
    "suffix": "<|fim_suffix|>",
    "pad": "<|fim_pad|>",
    "repo_name": "<|repo_name|>",
    "file_sep": "<|file_sep|>",
}

# The Qwen2.5 added tokens the tiny fixture tokenizer carries, in Qwen's id order, with Qwen's flags.
TINY_ADDED_TOKENS = [
    (EOS_TOKEN, True),
    (IM_START, True),
    (IM_END, True),
    *((t, False) for t in FIM_TOKENS.values()),
]


@dataclass(frozen=True)
class AddedToken:
    id: int
    content: str
    special: bool


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map (order = byte-token ids 0..255)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def build_bytelevel_bpe(vocab: dict[str, int], merges: list[tuple[str, str]], added: list[AddedToken]) -> Tokenizer:
    """A Qwen2-pipeline tokenizer; added tokens must follow the vocabulary with contiguous ids."""
    tok = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=merges,
            dropout=None,
            continuing_subword_prefix="",
            end_of_word_suffix="",
            fuse_unk=False,
            byte_fallback=False,
            ignore_merges=False,
        )
    )
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    for t in sorted(added, key=lambda a: a.id):
        add_token(tok, t.content, t.special, expect_id=t.id)
    return tok


def add_token(tok: Tokenizer, content: str, special: bool, expect_id: int | None = None) -> int:
    """Append an added token (next free id), as `tokenizer.add_special_tokens` does in Open-dLLM."""
    next_id = tok.get_vocab_size(with_added_tokens=True)
    if expect_id is not None and expect_id != next_id:
        raise ExportError(f"added token {content!r} has id {expect_id}, but the next free id is {next_id} (ids must be contiguous)")
    t = HFAddedToken(content, single_word=False, lstrip=False, rstrip=False, normalized=False, special=special)
    if special:
        tok.add_special_tokens([t])
    else:
        tok.add_tokens([t])
    got = tok.token_to_id(content)
    assert got == next_id, (content, got, next_id)
    return got


def read_added_tokens_decoder(path: Path) -> list[AddedToken]:
    """`added_tokens_decoder` mapping (tokenizer_config.json, or the standalone Qwen2.5 listing)."""
    data = json.loads(Path(path).read_text())
    data = data.get("added_tokens_decoder", data)
    return [AddedToken(int(i), v["content"], bool(v.get("special", False))) for i, v in data.items()]


def read_vocab_merges(d: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
    merges = []
    for line in (d / "merges.txt").read_text(encoding="utf-8").split("\n"):
        if line.startswith("#version") or not line:
            continue
        a, b = line.split(" ")
        merges.append((a, b))
    return vocab, merges


def tokenizer_from_bpe_dir(d: Path) -> Tokenizer:
    """vocab.json + merges.txt + added tokens (added_tokens_decoder*.json or tokenizer_config.json)."""
    d = Path(d)
    for f in ("vocab.json", "merges.txt"):
        if not (d / f).is_file():
            raise ExportError(f"{d}: {f} not found (need vocab.json + merges.txt to build tokenizer.json)")
    added: list[AddedToken] = []
    listings = sorted(d.glob("added_tokens_decoder*.json"))
    if listings:
        added = read_added_tokens_decoder(listings[0])
    elif (d / "tokenizer_config.json").is_file():
        added = read_added_tokens_decoder(d / "tokenizer_config.json")
    vocab, merges = read_vocab_merges(d)
    return build_bytelevel_bpe(vocab, merges, added)


def load_checkpoint_tokenizer(ckpt: Path) -> Tokenizer:
    """The checkpoint's tokenizer.json, or one built from its vocab.json + merges.txt."""
    ckpt = Path(ckpt)
    if (ckpt / "tokenizer.json").is_file():
        try:
            return Tokenizer.from_file(str(ckpt / "tokenizer.json"))
        except Exception as e:
            raise ExportError(f"{ckpt}/tokenizer.json: cannot load ({e})") from None
    if (ckpt / "vocab.json").is_file():
        return tokenizer_from_bpe_dir(ckpt)
    raise ExportError(f"{ckpt}: no tokenizer.json and no vocab.json + merges.txt")


def tiny_tokenizer(corpus: str, num_merges: int) -> Tokenizer:
    """Fixture tokenizer: 256 byte tokens + `num_merges` learned merges + the Qwen2.5 added tokens."""
    from .tiny_bpe import learn_bpe

    vocab, merges = learn_bpe(corpus, num_merges)
    added = [AddedToken(len(vocab) + i, c, s) for i, (c, s) in enumerate(TINY_ADDED_TOKENS)]
    return build_bytelevel_bpe(vocab, merges, added)


def ensure_mask_token(tok: Tokenizer) -> int:
    """Diffusion models need `<M>` as a special token; add it at the next id when missing (151665 for Qwen)."""
    mid = tok.token_to_id(MASK_TOKEN)
    return mid if mid is not None else add_token(tok, MASK_TOKEN, special=True)


def tokenizer_json(tok: Tokenizer) -> str:
    """Canonical serialisation (stable bytes for the same tokenizer)."""
    return tok.to_str(pretty=True) + "\n"


def added_tokens_decoder(tok: Tokenizer) -> dict[str, dict]:
    """transformers' tokenizer_config.json `added_tokens_decoder` for this tokenizer."""
    out = {}
    for i, t in sorted(tok.get_added_tokens_decoder().items()):
        out[str(i)] = {
            "content": t.content,
            "lstrip": t.lstrip,
            "normalized": t.normalized,
            "rstrip": t.rstrip,
            "single_word": t.single_word,
            "special": t.special,
        }
    return out

"""Seeded random Qwen2ForCausalLM checkpoints, saved exactly as transformers `save_pretrained` does (bf16).

Config JSON = Hugging Face Qwen2 config fields, plus an optional private "_export" block
(removed before saving):
    "_export": {"tokenizer": {"type": "tiny", "corpus": "file.txt", "merges": 224}}
    "_export": {"tokenizer": {"type": "bpe-dir", "dir": "${ENSEMBLE_DATA_DIR}/qwen2.5-tokenizer"}}
Relative paths are relative to the config file; ENSEMBLE_DATA_DIR defaults to <repo>/../shared/data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from . import ExportError
from .checkpoint import expected_shapes, parse_config
from .tokenizer import EOS_TOKEN, added_tokens_decoder, tiny_tokenizer, tokenizer_from_bpe_dir, tokenizer_json

REPO_ROOT = Path(__file__).resolve().parents[3]


def default_data_dir() -> Path:
    return Path(os.environ.get("ENSEMBLE_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")


def _resolve(path: str, base: Path) -> Path:
    """Expand ${ENSEMBLE_DATA_DIR} (with its default); relative paths are relative to `base`."""
    data = str(default_data_dir())
    p = Path(path.replace("${ENSEMBLE_DATA_DIR}", data).replace("$ENSEMBLE_DATA_DIR", data))
    return p if p.is_absolute() else (base / p)


def make_tokenizer(spec: dict, base: Path):
    kind = spec.get("type")
    if kind == "tiny":
        corpus = _resolve(spec["corpus"], base)
        if not corpus.is_file():
            raise ExportError(f"tiny tokenizer corpus {corpus} not found")
        return tiny_tokenizer(corpus.read_text(encoding="utf-8"), int(spec.get("merges", 224)))
    if kind == "bpe-dir":
        d = _resolve(spec["dir"], base)
        if not d.is_dir():
            raise ExportError(f"tokenizer directory {d} not found (set ENSEMBLE_DATA_DIR or pass --tokenizer-dir)")
        return tokenizer_from_bpe_dir(d)
    raise ExportError(f"unknown tokenizer type {kind!r} (expected 'tiny' or 'bpe-dir')")


def random_weights(raw_config: dict, seed: int, sharpen: float = 1.0) -> dict[str, torch.Tensor]:
    """Every tensor drawn from one seeded generator in sorted-name order (independent of
    transformers' init code). Biases and norm weights are random too, so exports are tested
    on them rather than on zeros and ones."""
    cfg = parse_config(raw_config)
    std = float(raw_config.get("initializer_range", 0.02))
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in sorted(expected_shapes(cfg).items()):
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        if name.endswith("norm.weight"):
            t = 1.0 + 0.1 * noise
        else:
            t = std * noise
        if name == "model.norm.weight":
            # Scaling the final RMSNorm scales all logits: sharp distributions, large argmax gaps.
            t = t * sharpen
        out[name] = t
    return out


def make_random_checkpoint(
    config_path: Path,
    seed: int,
    out: Path,
    sharpen: float | None = None,
    tokenizer_dir: Path | None = None,
    tiny_corpus: Path | None = None,
    tiny_merges: int | None = None,
) -> Path:
    config_path = Path(config_path)
    try:
        raw = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ExportError(f"cannot read config {config_path}: {e}") from None
    private = raw.pop("_export", {}) or {}
    tok_spec = dict(private.get("tokenizer") or {})
    if tokenizer_dir is not None:
        tok_spec = {"type": "bpe-dir", "dir": str(Path(tokenizer_dir).resolve())}
    elif tiny_corpus is not None:
        tok_spec = {"type": "tiny", "corpus": str(Path(tiny_corpus).resolve())}
    if tiny_merges is not None:
        tok_spec["merges"] = tiny_merges
    if not tok_spec:
        raise ExportError("no tokenizer: pass --tokenizer-dir or --tiny-tokenizer, or set _export.tokenizer in the config")
    sharpen = float(private.get("sharpen", 1.0) if sharpen is None else sharpen)

    raw.setdefault("architectures", ["Qwen2ForCausalLM"])
    raw.setdefault("model_type", "qwen2")
    parse_config(raw, str(config_path))  # same validation as the exporter

    tok = make_tokenizer(tok_spec, config_path.parent)
    eos = tok.token_to_id(EOS_TOKEN)
    if eos is None:
        raise ExportError(f"tokenizer has no {EOS_TOKEN} token")
    if tok.get_vocab_size(with_added_tokens=True) > raw["vocab_size"]:
        raise ExportError(f"tokenizer has {tok.get_vocab_size(with_added_tokens=True)} ids but vocab_size is {raw['vocab_size']}")
    for k in ("eos_token_id", "bos_token_id"):
        raw.setdefault(k, eos)

    weights = random_weights(raw, seed, sharpen)
    import transformers  # late: slow to import, and not needed to reject bad input
    from transformers import Qwen2Config, Qwen2ForCausalLM

    transformers.utils.logging.disable_progress_bar()
    hf_fields = {k: v for k, v in raw.items() if k not in ("architectures", "model_type", "transformers_version")}
    config = Qwen2Config(**hf_fields)
    config.architectures = ["Qwen2ForCausalLM"]
    with torch.device("meta"):
        model = Qwen2ForCausalLM(config)  # shapes only: our own weights are loaded below
    if config.tie_word_embeddings:
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
    model.load_state_dict({k: v.to(torch.bfloat16) for k, v in weights.items()}, strict=True, assign=True)
    model.tie_weights()
    # Non-persistent buffers (RoPE inv_freq) were created on meta; they are not saved.
    model.config.dtype = torch.bfloat16

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    (out / "tokenizer.json").write_text(tokenizer_json(tok), encoding="utf-8")
    tok.model.save(str(out))  # vocab.json + merges.txt, as Hugging Face Qwen checkpoints also ship
    tok_config = {
        "added_tokens_decoder": added_tokens_decoder(tok),
        "bos_token": None,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOS_TOKEN,
        "errors": "replace",
        "model_max_length": int(raw.get("max_position_embeddings", 32768)),
        "pad_token": EOS_TOKEN,
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n")
    return out

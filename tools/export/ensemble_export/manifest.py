"""manifest.json: the model directory contract read by the TypeScript servers."""

from __future__ import annotations

import json

from tokenizers import Tokenizer

from . import ExportError, __version__
from .checkpoint import ModelConfig
from .onnx_export import GraphSpec
from .tokenizer import EOS_TOKEN, FIM_TOKENS, IM_END, MASK_TOKEN

FORMAT = "ensemble-model-dir"
FORMAT_VERSION = 1


def special_ids(tok: Tokenizer, kind: str, cfg: ModelConfig) -> dict:
    eos = tok.token_to_id(EOS_TOKEN)
    if eos is None:
        eos = cfg.eos_token_id
    if eos is None:
        raise ExportError(f"cannot find an eos id: the tokenizer has no {EOS_TOKEN} and config.json no eos_token_id")
    mask = tok.token_to_id(MASK_TOKEN) if kind == "diffusion" else None
    if kind == "diffusion" and mask is None:
        raise ExportError(f"diffusion tokenizer lacks {MASK_TOKEN}")
    return {"eos": eos, "pad": eos, "mask": mask}  # Qwen2.5 pads with <|endoftext|>


def build_manifest(
    *, name: str, kind: str, dtype: str, graph: GraphSpec, cfg: ModelConfig, tok: Tokenizer, checkpoint_sha256: str
) -> dict:
    ids = special_ids(tok, kind, cfg)
    fim_ids = {k: tok.token_to_id(t) for k, t in FIM_TOKENS.items()}
    has_fim = all(v is not None for v in fim_ids.values())
    # Qwen's FIM example stops on eos, im_end and every FIM/repo token (they are not "special",
    # so they would otherwise leak into decoded text).
    stop = [ids["eos"], tok.token_to_id(IM_END), *fim_ids.values()]
    stop_ids = sorted({i for i in stop if i is not None})
    n_tok = tok.get_vocab_size(with_added_tokens=True)
    if n_tok > cfg.vocab_size:
        raise ExportError(f"tokenizer has {n_tok} ids but the embedding has only {cfg.vocab_size} rows")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "kind": kind,
        "dtype": dtype,
        "graph": {
            "file": graph.files[0],
            "convention": graph.convention,
            "inputs": graph.inputs,
            "outputs": graph.outputs,
            "num_layers": cfg.num_layers,
            "num_kv_heads": cfg.num_kv_heads,
            "head_dim": cfg.head_dim,
        },
        "vocab_size": cfg.vocab_size,
        "context_length": cfg.max_position_embeddings,
        "special_ids": ids,
        "fim": fim_ids if has_fim else None,
        "fim_tokens": dict(FIM_TOKENS) if has_fim else None,
        "stop_ids": stop_ids,
        "logits_shift": 1 if kind == "diffusion" else 0,
        "source": {"checkpoint_sha256": checkpoint_sha256, "exporter_version": __version__},
    }


def manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, indent=2) + "\n"

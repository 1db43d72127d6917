"""Checkpoint -> model directory (model.onnx [+ .data], config.json, tokenizer.json, manifest.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from . import ExportError
from .checkpoint import checkpoint_sha256, load_checkpoint
from .manifest import build_manifest, manifest_json
from .model import Qwen2Core
from .onnx_export import export_onnx
from .tokenizer import ensure_mask_token, load_checkpoint_tokenizer, tokenizer_json

KINDS = ("autoregressive", "diffusion")
DTYPES = {"fp32": ("float32", torch.float32), "fp16": ("float16", torch.float16)}


def export_model_dir(checkpoint: Path, kind: str, out: Path, dtype: str = "fp32", name: str | None = None) -> dict:
    if kind not in KINDS:
        raise ExportError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if dtype not in DTYPES:
        raise ExportError(f"unknown dtype {dtype!r} (expected fp32 or fp16)")
    checkpoint, out = Path(checkpoint), Path(out)
    if out.resolve() == checkpoint.resolve():
        raise ExportError("--out must differ from --checkpoint")

    ckpt = load_checkpoint(checkpoint)  # validates config + every tensor shape first
    tok = load_checkpoint_tokenizer(checkpoint)
    if kind == "diffusion":
        ensure_mask_token(tok)  # Open-dLLM adds <M> when the tokenizer lacks it

    dtype_name, torch_dtype = DTYPES[dtype]
    core = Qwen2Core(ckpt, torch_dtype)
    del ckpt.weights  # the core holds its own copies; halves peak RAM at 0.5B
    graph = export_onnx(core, kind, out)
    del core

    shutil.copyfile(checkpoint / "config.json", out / "config.json")
    (out / "tokenizer.json").write_text(tokenizer_json(tok), encoding="utf-8")
    manifest = build_manifest(
        name=name or checkpoint.resolve().name,
        kind=kind,
        dtype=dtype_name,
        graph=graph,
        cfg=ckpt.config,
        tok=tok,
        checkpoint_sha256=checkpoint_sha256(checkpoint),
    )
    (out / "manifest.json").write_text(manifest_json(manifest), encoding="utf-8")
    return manifest


def read_manifest(model_dir: Path) -> dict:
    p = Path(model_dir) / "manifest.json"
    if not p.is_file():
        raise ExportError(f"{model_dir}: manifest.json not found (not a model directory)")
    m = json.loads(p.read_text())
    if m.get("format") != "ensemble-model-dir":
        raise ExportError(f"{p}: format is {m.get('format')!r}, expected 'ensemble-model-dir'")
    return m

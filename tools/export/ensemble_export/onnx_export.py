"""torch -> ONNX for both graph conventions, with reproducible bytes."""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch
from onnx.external_data_helper import load_external_data_for_model

from . import __version__
from .model import BidirectionalGraph, CausalGraph, Qwen2Core

OPSET = 17
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
# Protobuf caps a serialised model at 2 GiB; above this size the weights go to one external file.
EXTERNAL_DATA_THRESHOLD = 1_800_000_000

CONVENTIONS = {"autoregressive": "causal-kv-v1", "diffusion": "bidirectional-gather-v1"}


@dataclass(frozen=True)
class GraphSpec:
    convention: str
    inputs: list[str]
    outputs: list[str]
    files: list[str]  # files written, model.onnx first


def io_names(kind: str, num_layers: int) -> tuple[list[str], list[str]]:
    if kind == "autoregressive":
        past = [f"past_key_values.{i}.{kv}" for i in range(num_layers) for kv in ("key", "value")]
        present = [f"present.{i}.{kv}" for i in range(num_layers) for kv in ("key", "value")]
        return ["input_ids", "attention_mask", "position_ids", *past], ["logits", *present]
    return ["input_ids", "attention_mask", "position_ids", "logits_rows"], ["logits"]


def _trace_inputs(core: Qwen2Core, kind: str):
    """Small dummy inputs; every size differs so no axis can be mistaken for another while tracing."""
    cfg = core.cfg
    b, s = 2, 5
    ids = torch.arange(b * s, dtype=torch.int64).reshape(b, s) % cfg.vocab_size
    if kind == "autoregressive":
        p = 3
        mask = torch.ones(b, p + s, dtype=torch.int64)
        pos = torch.arange(p, p + s, dtype=torch.int64).expand(b, s).contiguous()
        past = [torch.zeros(b, cfg.num_kv_heads, p, cfg.head_dim, dtype=core.dtype) for _ in range(2 * cfg.num_layers)]
        return (ids, mask, pos, *past)
    mask = torch.ones(b, s, dtype=torch.int64)
    pos = torch.arange(s, dtype=torch.int64).expand(b, s).contiguous()
    rows = torch.tensor([[0, 2, 4], [1, 3, 4]], dtype=torch.int64)
    return (ids, mask, pos, rows)


def _dynamic_axes(kind: str, inputs: list[str], outputs: list[str]) -> dict:
    axes = {}
    if kind == "autoregressive":
        for n in inputs:
            if n.startswith("past_key_values."):
                axes[n] = {0: "batch", 2: "past_sequence"}
            elif n == "attention_mask":
                axes[n] = {0: "batch", 1: "total_sequence"}
            else:
                axes[n] = {0: "batch", 1: "sequence"}
        for n in outputs:
            axes[n] = {0: "batch", 2: "total_sequence"} if n.startswith("present.") else {0: "batch", 1: "sequence"}
    else:
        axes = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "position_ids")}
        axes["logits_rows"] = {0: "batch", 1: "rows"}
        axes["logits"] = {0: "batch", 1: "rows"}
    return axes


def export_onnx(core: Qwen2Core, kind: str, out_dir: Path) -> GraphSpec:
    """Write model.onnx (+ model.onnx.data when large) into out_dir."""
    inputs, outputs = io_names(kind, core.cfg.num_layers)
    module = CausalGraph(core) if kind == "autoregressive" else BidirectionalGraph(core)
    module.eval()
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="onnx-export-") as tmp:
        raw_path = Path(tmp) / "raw.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # only the legacy exporter's deprecation notices (no TracerWarnings)
            torch.onnx.export(
                module,
                _trace_inputs(core, kind),
                str(raw_path),
                dynamo=False,  # the TorchScript exporter gives a compact graph with stable names
                opset_version=OPSET,
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=_dynamic_axes(kind, inputs, outputs),
                do_constant_folding=True,
                export_params=True,
            )
        # The exporter writes external data on its own above 2 GiB; gather everything in memory.
        model = onnx.load(str(raw_path), load_external_data=False)
        load_external_data_for_model(model, tmp)
        return _save(model, out_dir, inputs, outputs, CONVENTIONS[kind])


def _weights_bytes(model: onnx.ModelProto) -> int:
    return sum(len(t.raw_data) for t in model.graph.initializer)


def _save(model: onnx.ModelProto, out_dir: Path, inputs, outputs, convention: str) -> GraphSpec:
    model.producer_name = "ensemble-export"
    model.producer_version = __version__
    model.doc_string = f"convention={convention}"
    out_dir.mkdir(parents=True, exist_ok=True)
    path, data = out_dir / MODEL_FILE, out_dir / DATA_FILE
    if data.exists():
        data.unlink()  # never leave a stale data file next to a new graph
    if _weights_bytes(model) > EXTERNAL_DATA_THRESHOLD:
        onnx.save_model(
            model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=DATA_FILE, size_threshold=1024
        )
        onnx.checker.check_model(str(path))
        data.chmod(0o644)  # onnx creates it 0600; model servers may run as another user
        files = [MODEL_FILE, DATA_FILE]
    else:
        onnx.save_model(model, str(path))
        onnx.checker.check_model(str(path))
        files = [MODEL_FILE]
    return GraphSpec(convention, list(inputs), list(outputs), files)

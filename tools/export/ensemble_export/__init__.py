"""Hugging Face Qwen2 checkpoint -> ONNX model directory (see tools/export/README.md)."""

# Bump when the bytes of an export change for the same checkpoint (graph, manifest or tokenizer).
__version__ = "0.1.0"


class ExportError(Exception):
    """A user-facing problem (bad input, unsupported model). The CLI prints it as one line."""

#!/usr/bin/env python3
"""Copy a model directory with its weights inlined into model.onnx (no model.onnx.data).

tools/export writes fp32 0.5B weights (1.98 GB) to an external-data file; the protobuf limit (2 GiB) still
allows them inside one file. `bench perf` measures both layouts (load time, resident memory, decode speed).
Usage: single_file.py SRC_DIR OUT_DIR. Prints one JSON line with the sizes.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import onnx

PROTOBUF_LIMIT = 2**31 - 1


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: single_file.py SRC_DIR OUT_DIR", file=sys.stderr)
        return 2
    src, out = Path(argv[0]), Path(argv[1])
    manifest = json.loads((src / "manifest.json").read_text())
    graph_file = manifest["graph"]["file"]
    model = onnx.load(str(src / graph_file), load_external_data=True)
    size = model.ByteSize()
    if size >= PROTOBUF_LIMIT:
        print(f"error: {size} bytes do not fit in one protobuf file", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(out / graph_file), save_as_external_data=False)
    for name in ("config.json", "tokenizer.json", "manifest.json"):
        shutil.copyfile(src / name, out / name)
    print(json.dumps({"graph_bytes": (out / graph_file).stat().st_size, "source": str(src)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

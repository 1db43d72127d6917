#!/usr/bin/env python3
"""Model export CLI: random-checkpoint, export, verify. See tools/export/README.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ensemble_export import ExportError  # noqa: E402


def cmd_export(a) -> int:
    from ensemble_export.model_dir import export_model_dir

    t0 = time.time()
    m = export_model_dir(Path(a.checkpoint), a.kind, Path(a.out), a.dtype, a.name)
    print(f"exported {m['name']} ({m['kind']}, {m['dtype']}, {m['graph']['convention']}) to {a.out} in {time.time() - t0:.1f}s")
    return 0


def cmd_verify(a) -> int:
    from ensemble_export.verify import verify

    t0 = time.time()
    results = verify(Path(a.checkpoint), Path(a.model_dir), a.tolerance, a.threads)
    for r in results:
        print(f"{'ok  ' if r.ok else 'FAIL'} max_abs_diff={r.max_abs_diff:.3e} (tol {r.tolerance:g})  {r.name}")
    bad = [r for r in results if not r.ok]
    print(f"{len(results) - len(bad)}/{len(results)} cases within tolerance ({time.time() - t0:.1f}s)")
    return 1 if bad else 0


def cmd_random_checkpoint(a) -> int:
    from ensemble_export.random_checkpoint import make_random_checkpoint

    t0 = time.time()
    out = make_random_checkpoint(
        Path(a.config), a.seed, Path(a.out), sharpen=a.sharpen, tokenizer_dir=a.tokenizer_dir,
        tiny_corpus=a.tiny_tokenizer, tiny_merges=a.tiny_merges,
    )
    print(f"wrote random checkpoint (seed {a.seed}) to {out} in {time.time() - t0:.1f}s")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="cli.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("export", help="checkpoint -> ONNX model directory")
    e.add_argument("--checkpoint", required=True, help="HF checkpoint dir (config.json + safetensors + tokenizer)")
    e.add_argument("--kind", required=True, choices=["autoregressive", "diffusion"])
    e.add_argument("--out", required=True, help="model directory to write")
    e.add_argument("--dtype", default="fp32", choices=["fp32", "fp16"])
    e.add_argument("--name", help="manifest name (default: checkpoint directory name)")
    e.set_defaults(func=cmd_export)

    v = sub.add_parser("verify", help="compare a model directory with transformers")
    v.add_argument("--checkpoint", required=True)
    v.add_argument("--model-dir", required=True)
    v.add_argument("--tolerance", type=float, default=None,
                   help="max abs logit difference (default 1e-4 for fp32, 5e-2 for fp16)")
    v.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0 = default)")
    v.set_defaults(func=cmd_verify)

    r = sub.add_parser("random-checkpoint", help="seeded random Qwen2ForCausalLM (bf16 safetensors) + tokenizer")
    r.add_argument("--config", required=True, help="HF Qwen2 config JSON (optional _export block, see README)")
    r.add_argument("--seed", required=True, type=int)
    r.add_argument("--out", required=True)
    r.add_argument("--sharpen", type=float, default=None, help="scale model.norm.weight by this factor")
    tok = r.add_mutually_exclusive_group()
    tok.add_argument("--tokenizer-dir", help="dir with vocab.json + merges.txt (+ added_tokens_decoder*.json)")
    tok.add_argument("--tiny-tokenizer", metavar="CORPUS", help="learn a tiny byte-level BPE from this text file")
    r.add_argument("--tiny-merges", type=int, default=None, help="merges for --tiny-tokenizer (default 224)")
    r.set_defaults(func=cmd_random_checkpoint)

    a = p.parse_args(argv)
    try:
        return a.func(a)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

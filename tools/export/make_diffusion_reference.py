#!/usr/bin/env python3
"""Regenerate test/fixtures/models/tiny-diffusion/reference/denoise.json bit-for-bit.

Rebuilds the fixture checkpoint exactly as make_fixtures.py does (fixtures/tiny-diffusion.json + the seed
listed in make_fixtures.FIXTURES, read from that file without importing it), checks that its sha256 is the
one recorded in the fixture's manifest.json, then runs ensemble_export/diffusion_reference.py on it
(transformers, float32, bidirectional, single-threaded) with the fixture's tokenizer.json.

    .venv/bin/python tools/export/make_diffusion_reference.py [--model-dir DIR] [--out FILE] [--check]

--check compares with the existing file instead of writing it (exit 1 when different).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from ensemble_export import ExportError  # noqa: E402

NAME = "tiny-diffusion"
DEFAULT_MODEL_DIR = REPO / "test" / "fixtures" / "models" / NAME


def fixture_seed(name: str = NAME) -> tuple[str, int]:
    """(kind, seed) of a fixture from the FIXTURES literal in make_fixtures.py."""
    tree = ast.parse((HERE / "make_fixtures.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FIXTURES" for t in node.targets):
            for fname, kind, seed in ast.literal_eval(node.value):
                if fname == name:
                    return kind, int(seed)
    raise ExportError(f"make_fixtures.py has no FIXTURES entry for {name!r}")


def build_checkpoint(out: Path, model_dir: Path = DEFAULT_MODEL_DIR) -> Path:
    """The fixture's checkpoint (bf16 safetensors) in `out`; fails when it is not the one the fixture was exported from."""
    from ensemble_export.checkpoint import checkpoint_sha256
    from ensemble_export.random_checkpoint import make_random_checkpoint

    kind, seed = fixture_seed()
    ckpt = make_random_checkpoint(HERE / "fixtures" / f"{NAME}.json", seed, Path(out))
    want = json.loads((Path(model_dir) / "manifest.json").read_text())["source"]["checkpoint_sha256"]
    got = checkpoint_sha256(ckpt)
    if got != want:
        raise ExportError(f"rebuilt {NAME} checkpoint sha256 {got} != manifest {want}: regenerate the fixture first")
    return ckpt


def load(model_dir: Path, tmp: Path):
    """(hf model, tokenizer, manifest) of the fixture."""
    import torch
    from tokenizers import Tokenizer

    from ensemble_export.verify import load_hf

    torch.set_num_threads(1)
    hf = load_hf(build_checkpoint(tmp / "ckpt", model_dir))
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    manifest = json.loads((Path(model_dir) / "manifest.json").read_text())
    return hf, tok, manifest


def generate(model_dir: Path = DEFAULT_MODEL_DIR) -> str:
    from ensemble_export.diffusion_reference import denoise_reference, dump_json

    with tempfile.TemporaryDirectory(prefix="denoise-ref-") as tmp:
        hf, tok, manifest = load(model_dir, Path(tmp))
        return dump_json(denoise_reference(hf, tok, manifest))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    p.add_argument("--out", type=Path, help="default: MODEL_DIR/reference/denoise.json")
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    a = p.parse_args()
    out = a.out or a.model_dir / "reference" / "denoise.json"
    try:
        text = generate(a.model_dir)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    digest = hashlib.sha256(text.encode()).hexdigest()
    if a.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        print(f"{'identical' if same else 'DIFFERENT'}: {out} (generated sha256 {digest})")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

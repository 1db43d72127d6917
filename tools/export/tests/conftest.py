"""Shared fixtures: small random checkpoints and their exports, built once per session."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

EXPORT_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = EXPORT_DIR.parents[1]
sys.path.insert(0, str(EXPORT_DIR))

from ensemble_export.model_dir import export_model_dir  # noqa: E402
from ensemble_export.random_checkpoint import make_random_checkpoint  # noqa: E402
from ensemble_export.verify import OrtModel, load_hf  # noqa: E402

CORPUS = EXPORT_DIR / "fixtures" / "tiny-tokenizer-corpus.txt"

# Shapes exercised by the export tests: GQA groups of 2 and 6, tied and untied heads, odd sizes.
SHAPES = {
    "tied-g2": dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, tie_word_embeddings=True, rope_theta=10000.0, vocab_size=512),
    "untied-g6": dict(hidden_size=48, intermediate_size=80, num_hidden_layers=3, num_attention_heads=6,
                      num_key_value_heads=1, tie_word_embeddings=False, rope_theta=1000000.0, vocab_size=500,
                      rms_norm_eps=1e-5),
}


def write_config(path: Path, **fields) -> Path:
    cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
           "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "initializer_range": 0.05,
           "use_sliding_window": False, **fields}
    path.write_text(json.dumps(cfg, indent=2))
    return path


def data_dir() -> Path:
    return Path(os.environ.get("ENSEMBLE_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def qwen_tokenizer_dir() -> Path:
    d = data_dir() / "qwen2.5-tokenizer"
    if not (d / "vocab.json").is_file() or not (d / "merges.txt").is_file():
        pytest.fail(
            f"Qwen2.5 tokenizer files not found in {d}: set ENSEMBLE_DATA_DIR to the shared data directory "
            "(the one holding qwen2.5-tokenizer/vocab.json and merges.txt)",
            pytrace=False,
        )
    return d


@pytest.fixture(scope="session", params=list(SHAPES))
def shape_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ckpt")
    out = {}
    for i, (name, fields) in enumerate(SHAPES.items()):
        cfg = write_config(root / f"{name}.json", **fields)
        out[name] = make_random_checkpoint(cfg, seed=100 + i, out=root / name, tiny_corpus=CORPUS, sharpen=4.0)
    return out


@pytest.fixture(scope="session")
def exports(checkpoints, tmp_path_factory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("export")
    out = {}
    for name, ckpt in checkpoints.items():
        for kind in ("autoregressive", "diffusion"):
            out[(name, kind)] = root / f"{name}-{kind}"
            export_model_dir(ckpt, kind, out[(name, kind)])
    return out


@pytest.fixture(scope="session")
def hf_models(checkpoints):
    return {name: load_hf(ckpt) for name, ckpt in checkpoints.items()}


@pytest.fixture(scope="session")
def ort_models(exports):
    return {key: OrtModel(d) for key, d in exports.items()}

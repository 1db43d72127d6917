"""Real Qwen2.5 vocabulary (151936 rows) and tokenizer, tiny hidden size: manifest ids + numerics."""

import json

import pytest

from conftest import write_config
from ensemble_export.model_dir import export_model_dir
from ensemble_export.random_checkpoint import make_random_checkpoint
from ensemble_export.verify import verify

from test_tokenizer import QWEN_STOP_IDS


@pytest.fixture(scope="module")
def real_vocab_ckpt(qwen_tokenizer_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("realvocab")
    cfg = write_config(root / "cfg.json", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                       rope_theta=1000000.0, vocab_size=151936, initializer_range=0.02)
    return make_random_checkpoint(cfg, seed=5, out=root / "ckpt", tokenizer_dir=qwen_tokenizer_dir)


@pytest.mark.parametrize("kind", ["autoregressive", "diffusion"])
def test_real_vocab_export(real_vocab_ckpt, tmp_path, kind):
    m = export_model_dir(real_vocab_ckpt, kind, tmp_path / kind)
    assert m["vocab_size"] == 151936
    assert m["special_ids"] == {"eos": 151643, "pad": 151643, "mask": 151665 if kind == "diffusion" else None}
    assert m["fim"] == {"prefix": 151659, "middle": 151660, "suffix": 151661, "pad": 151662,
                        "repo_name": 151663, "file_sep": 151664}
    assert m["stop_ids"] == QWEN_STOP_IDS
    assert m["logits_shift"] == (1 if kind == "diffusion" else 0)
    tok = json.loads((tmp_path / kind / "tokenizer.json").read_text())
    assert (tok["added_tokens"][-1]["id"], tok["added_tokens"][-1]["content"]) == (
        (151665, "<M>") if kind == "diffusion" else (151664, "<|file_sep|>"))
    results = verify(real_vocab_ckpt, tmp_path / kind)
    assert all(r.ok for r in results), [(r.name, r.max_abs_diff) for r in results]


def test_tokenizer_json_built_from_vocab_and_merges(real_vocab_ckpt, tmp_path):
    """A checkpoint without tokenizer.json: it is rebuilt from vocab.json + merges.txt + tokenizer_config.json."""
    import shutil

    from tokenizers import Tokenizer

    ckpt = tmp_path / "ckpt"
    shutil.copytree(real_vocab_ckpt, ckpt)
    (ckpt / "tokenizer.json").unlink()
    export_model_dir(ckpt, "diffusion", tmp_path / "rebuilt")
    export_model_dir(real_vocab_ckpt, "diffusion", tmp_path / "original")
    rebuilt = (tmp_path / "rebuilt" / "tokenizer.json").read_bytes()
    assert rebuilt == (tmp_path / "original" / "tokenizer.json").read_bytes()
    tok = Tokenizer.from_str(rebuilt.decode())
    assert tok.encode("Hello world").ids == [9707, 1879]
    assert tok.token_to_id("<M>") == 151665

"""Bad input stops the CLI with one clear line on stderr and a non-zero exit (no traceback)."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import EXPORT_DIR, write_config

CLI = str(EXPORT_DIR / "cli.py")


def run_cli(*args):
    return subprocess.run([sys.executable, CLI, *map(str, args)], capture_output=True, text=True, timeout=120)


def assert_clean_error(proc, *needles):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.fixture
def ckpt_copy(checkpoints, tmp_path):
    d = tmp_path / "ckpt"
    shutil.copytree(checkpoints["tied-g2"], d)
    return d


def test_missing_safetensors(ckpt_copy, tmp_path):
    (ckpt_copy / "model.safetensors").unlink()
    p = run_cli("export", "--checkpoint", ckpt_copy, "--kind", "autoregressive", "--out", tmp_path / "out")
    assert_clean_error(p, "no model.safetensors")
    assert not (tmp_path / "out").exists()


def test_unknown_architecture(ckpt_copy, tmp_path):
    cfg = json.loads((ckpt_copy / "config.json").read_text())
    cfg.update(architectures=["LlamaForCausalLM"], model_type="llama")
    (ckpt_copy / "config.json").write_text(json.dumps(cfg))
    p = run_cli("export", "--checkpoint", ckpt_copy, "--kind", "diffusion", "--out", tmp_path / "out")
    assert_clean_error(p, "unsupported architecture", "LlamaForCausalLM")


def test_mismatched_tensor_shapes(ckpt_copy, tmp_path):
    cfg = json.loads((ckpt_copy / "config.json").read_text())
    cfg["intermediate_size"] += 8
    (ckpt_copy / "config.json").write_text(json.dumps(cfg))
    p = run_cli("export", "--checkpoint", ckpt_copy, "--kind", "autoregressive", "--out", tmp_path / "out")
    assert_clean_error(p, "mlp.gate_proj.weight", "has shape [96, 64]", "implies [104, 64]")


def test_random_checkpoint_rejects_unknown_architecture(tmp_path):
    cfg = write_config(tmp_path / "llama.json", architectures=["LlamaForCausalLM"], model_type="llama",
                       hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                       vocab_size=600)
    p = run_cli("random-checkpoint", "--config", cfg, "--seed", 1, "--out", tmp_path / "c",
                "--tiny-tokenizer", EXPORT_DIR / "fixtures" / "tiny-tokenizer-corpus.txt")
    assert_clean_error(p, "unsupported architecture")


def test_verify_rejects_other_checkpoint(checkpoints, exports):
    p = run_cli("verify", "--checkpoint", checkpoints["untied-g6"], "--model-dir", exports[("tied-g2", "diffusion")])
    assert_clean_error(p, "different checkpoint")


def test_verify_fails_above_tolerance(checkpoints, exports):
    p = run_cli("verify", "--checkpoint", checkpoints["tied-g2"], "--model-dir", exports[("tied-g2", "autoregressive")],
                "--tolerance", "1e-12")
    assert p.returncode == 1
    assert "FAIL max_abs_diff=" in p.stdout

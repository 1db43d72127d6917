"""Read and validate a Hugging Face Qwen2ForCausalLM checkpoint directory (config.json + safetensors)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

from . import ExportError

SUPPORTED_ARCHITECTURES = ("Qwen2ForCausalLM",)


@dataclass(frozen=True)
class ModelConfig:
    """The subset of config.json the graph depends on."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rope_theta: float
    rms_norm_eps: float
    tie_word_embeddings: bool
    max_position_embeddings: int
    eos_token_id: int | None


def parse_config(raw: dict, where: str = "config.json") -> ModelConfig:
    archs = raw.get("architectures") or []
    if raw.get("model_type") != "qwen2" or not any(a in SUPPORTED_ARCHITECTURES for a in archs):
        raise ExportError(
            f"{where}: unsupported architecture {archs or raw.get('model_type')!r}; "
            f"only {', '.join(SUPPORTED_ARCHITECTURES)} (model_type 'qwen2') is supported"
        )
    if raw.get("hidden_act", "silu") != "silu":
        raise ExportError(f"{where}: hidden_act {raw['hidden_act']!r} is not supported (only silu)")

    # transformers 4 writes rope_theta/rope_scaling at top level; transformers 5 writes rope_parameters.
    rope = raw.get("rope_parameters") or {}
    scaling = raw.get("rope_scaling") or {}
    rope_type = rope.get("rope_type") or scaling.get("rope_type") or scaling.get("type") or "default"
    if rope_type != "default":
        raise ExportError(f"{where}: RoPE type {rope_type!r} is not supported (only default rotate-half RoPE)")
    theta = rope.get("rope_theta", raw.get("rope_theta", 10000.0))

    try:
        layers = int(raw["num_hidden_layers"])
        heads = int(raw["num_attention_heads"])
        kv_heads = int(raw.get("num_key_value_heads") or heads)
        hidden = int(raw["hidden_size"])
        head_dim = int(raw.get("head_dim") or hidden // heads)
        eos = raw.get("eos_token_id")
        if isinstance(eos, list):
            eos = eos[0] if eos else None
        cfg = ModelConfig(
            vocab_size=int(raw["vocab_size"]),
            hidden_size=hidden,
            intermediate_size=int(raw["intermediate_size"]),
            num_layers=layers,
            num_heads=heads,
            num_kv_heads=kv_heads,
            head_dim=head_dim,
            rope_theta=float(theta),
            rms_norm_eps=float(raw.get("rms_norm_eps", 1e-6)),
            tie_word_embeddings=bool(raw.get("tie_word_embeddings", False)),
            max_position_embeddings=int(raw.get("max_position_embeddings", 32768)),
            eos_token_id=None if eos is None else int(eos),
        )
    except KeyError as e:
        raise ExportError(f"{where}: missing field {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ExportError(f"{where}: bad field value ({e})") from None
    if raw.get("use_sliding_window"):
        # Same rule as transformers' Qwen2Config when layer_types is absent.
        mwl = int(raw.get("max_window_layers", 28))
        types = raw.get("layer_types") or ["sliding_attention" if i >= mwl else "full_attention" for i in range(layers)]
        if any(t != "full_attention" for t in types):
            raise ExportError(f"{where}: sliding-window attention is not supported")
    if cfg.num_heads % cfg.num_kv_heads:
        raise ExportError(f"{where}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv_heads}")
    if cfg.head_dim % 2:
        raise ExportError(f"{where}: head_dim {head_dim} must be even for rotate-half RoPE")
    return cfg


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """HF state-dict names and shapes for a Qwen2ForCausalLM of this config."""
    h, d = cfg.hidden_size, cfg.head_dim
    shapes = {"model.embed_tokens.weight": (cfg.vocab_size, h), "model.norm.weight": (h,)}
    for i in range(cfg.num_layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (h,),
            p + "post_attention_layernorm.weight": (h,),
            p + "self_attn.q_proj.weight": (cfg.num_heads * d, h),
            p + "self_attn.q_proj.bias": (cfg.num_heads * d,),
            p + "self_attn.k_proj.weight": (cfg.num_kv_heads * d, h),
            p + "self_attn.k_proj.bias": (cfg.num_kv_heads * d,),
            p + "self_attn.v_proj.weight": (cfg.num_kv_heads * d, h),
            p + "self_attn.v_proj.bias": (cfg.num_kv_heads * d,),
            p + "self_attn.o_proj.weight": (h, cfg.num_heads * d),
            p + "mlp.gate_proj.weight": (cfg.intermediate_size, h),
            p + "mlp.up_proj.weight": (cfg.intermediate_size, h),
            p + "mlp.down_proj.weight": (h, cfg.intermediate_size),
        })
    if not cfg.tie_word_embeddings:
        shapes["lm_head.weight"] = (cfg.vocab_size, h)
    return shapes


def safetensors_files(ckpt: Path) -> list[Path]:
    single = ckpt / "model.safetensors"
    index = ckpt / "model.safetensors.index.json"
    if single.is_file():
        return [single]
    if index.is_file():
        names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        missing = [n for n in names if not (ckpt / n).is_file()]
        if missing:
            raise ExportError(f"{ckpt}: shard(s) listed in model.safetensors.index.json are missing: {', '.join(missing)}")
        return [ckpt / n for n in names]
    extra = " (only safetensors is supported, not pytorch_model.bin)" if (ckpt / "pytorch_model.bin").exists() else ""
    raise ExportError(f"{ckpt}: no model.safetensors or model.safetensors.index.json found{extra}")


def checkpoint_sha256(ckpt: Path) -> str:
    """sha256 of model.safetensors; for sharded checkpoints, of the 'sha256  name' lines of all shards."""
    files = safetensors_files(ckpt)

    def file_hash(p: Path) -> str:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        return h.hexdigest()

    if len(files) == 1:
        return file_hash(files[0])
    lines = "".join(f"{file_hash(p)}  {p.name}\n" for p in files)
    return hashlib.sha256(lines.encode()).hexdigest()


@dataclass
class Checkpoint:
    path: Path
    raw_config: dict
    config: ModelConfig
    weights: dict[str, torch.Tensor]  # HF names, float32


def read_config(ckpt: Path) -> tuple[dict, ModelConfig]:
    ckpt = Path(ckpt)
    if not ckpt.is_dir():
        raise ExportError(f"checkpoint directory {ckpt} does not exist")
    cfg_path = ckpt / "config.json"
    if not cfg_path.is_file():
        raise ExportError(f"{ckpt}: config.json not found")
    try:
        raw = json.loads(cfg_path.read_text())
    except json.JSONDecodeError as e:
        raise ExportError(f"{cfg_path}: invalid JSON ({e})") from None
    return raw, parse_config(raw, str(cfg_path))


def load_checkpoint(ckpt: Path | str) -> Checkpoint:
    """Load and shape-check all weights (upcast to float32: the export dtype is chosen later)."""
    ckpt = Path(ckpt)
    raw, cfg = read_config(ckpt)
    want = expected_shapes(cfg)
    weights: dict[str, torch.Tensor] = {}
    for f in safetensors_files(ckpt):
        try:
            with safe_open(str(f), framework="pt") as st:
                for name in st.keys():
                    if name.endswith("rotary_emb.inv_freq"):
                        continue  # old checkpoints stored this derived buffer
                    if name == "lm_head.weight" and cfg.tie_word_embeddings:
                        continue  # tied: the embedding is the LM head
                    if name not in want:
                        raise ExportError(f"{f.name}: unexpected tensor {name!r} for a Qwen2ForCausalLM of this config")
                    weights[name] = st.get_tensor(name).to(torch.float32)
        except ExportError:
            raise
        except Exception as e:  # safetensors raises its own error types for corrupt files
            raise ExportError(f"{f}: cannot read safetensors file ({type(e).__name__}: {e})") from None
    missing = [n for n in want if n not in weights]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ExportError(f"{ckpt}: tensor {missing[0]!r} missing from the checkpoint{more}")
    for name, shape in want.items():
        got = tuple(weights[name].shape)
        if got != shape:
            raise ExportError(f"{ckpt}: tensor {name!r} has shape {list(got)}, config.json implies {list(shape)}")
    return Checkpoint(ckpt, raw, cfg, weights)

"""Qwen2 decoder in plain torch, written to trace into a small, clean ONNX graph.

Same math as transformers' Qwen2ForCausalLM (eager attention): RMSNorm computed in float32,
rotate-half RoPE, grouped-query attention with q/k/v bias, SwiGLU MLP, tied or untied LM head.
Two graph conventions share the weights:
  * CausalGraph        ("causal-kv-v1"): causal mask + KV cache, optimum input/output names.
  * BidirectionalGraph ("bidirectional-gather-v1"): no causal mask, no cache; hidden states are
    gathered at `logits_rows` before the final norm so only K rows hit the vocabulary projection.
"""

from __future__ import annotations

import torch
from torch import nn

from .checkpoint import Checkpoint, ModelConfig


class _MatMulTransB(torch.autograd.Function):
    """x[N,H] @ w[V,H]^T exported as a single Gemm(transB=1).

    A plain x @ w.T makes the exporter fold w.T into a second initializer; with tied embeddings
    that would store the 151936 x 896 embedding twice.
    """

    @staticmethod
    def forward(ctx, x, w):  # noqa: D401 - torch API
        return x @ w.t()

    @staticmethod
    def symbolic(g, x, w):
        return g.op("Gemm", x, w, transB_i=1)


def _param(t: torch.Tensor, dtype: torch.dtype) -> nn.Parameter:
    return nn.Parameter(t.detach().to(dtype).contiguous(), requires_grad=False)


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    # As transformers: normalise in float32, cast back, then scale.
    dt = x.dtype
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return weight * xf.to(dt)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig, w: dict[str, torch.Tensor], i: int, dtype: torch.dtype):
        super().__init__()
        p = f"model.layers.{i}."
        self.cfg = cfg
        self.input_norm = _param(w[p + "input_layernorm.weight"], dtype)
        self.post_norm = _param(w[p + "post_attention_layernorm.weight"], dtype)
        # Linear weights are stored transposed ([in, out]) so each projection is a plain MatMul
        # on an initializer, without a Transpose node or a folded copy.
        self.q_w = _param(w[p + "self_attn.q_proj.weight"].t(), dtype)
        self.q_b = _param(w[p + "self_attn.q_proj.bias"], dtype)
        self.k_w = _param(w[p + "self_attn.k_proj.weight"].t(), dtype)
        self.k_b = _param(w[p + "self_attn.k_proj.bias"], dtype)
        self.v_w = _param(w[p + "self_attn.v_proj.weight"].t(), dtype)
        self.v_b = _param(w[p + "self_attn.v_proj.bias"], dtype)
        self.o_w = _param(w[p + "self_attn.o_proj.weight"].t(), dtype)
        self.gate_w = _param(w[p + "mlp.gate_proj.weight"].t(), dtype)
        self.up_w = _param(w[p + "mlp.up_proj.weight"].t(), dtype)
        self.down_w = _param(w[p + "mlp.down_proj.weight"].t(), dtype)

    def forward(self, x, cos, sin, allowed, past_k=None, past_v=None):
        """x [B,S,hidden]; cos/sin [B,1,S,D]; allowed bool, broadcastable to [B,1,1,S,T].

        Returns the new hidden states and the full (past + new) keys/values [B,KVH,T,D].
        """
        cfg = self.cfg
        b, s = x.shape[0], x.shape[1]
        d, h, kvh = cfg.head_dim, cfg.num_heads, cfg.num_kv_heads
        g = h // kvh

        hn = rms_norm(x, self.input_norm, cfg.rms_norm_eps)
        q = (hn @ self.q_w + self.q_b).reshape(b, s, h, d).transpose(1, 2)
        k = (hn @ self.k_w + self.k_b).reshape(b, s, kvh, d).transpose(1, 2)
        v = (hn @ self.v_w + self.v_b).reshape(b, s, kvh, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat((past_k, k), dim=2)
            v = torch.cat((past_v, v), dim=2)

        # GQA without copying K/V per query head: query head j uses kv head j // g, so fold the
        # g query heads of each kv head into the row axis: [B,KVH,g*S,D] @ [B,KVH,D,T].
        qg = q.reshape(b, kvh, g * s, d)
        scores = (qg @ k.transpose(2, 3)) * (d**-0.5)
        scores = scores.float().reshape(b, kvh, g, s, -1)
        # Where() rather than an additive mask: a fully masked row (a left-pad query) becomes a
        # uniform softmax instead of NaN; its output is never read.
        scores = scores.masked_fill(~allowed, torch.finfo(torch.float32).min)
        probs = torch.softmax(scores, dim=-1).to(v.dtype).reshape(b, kvh, g * s, -1)
        attn = (probs @ v).reshape(b, h, s, d).transpose(1, 2).reshape(b, s, h * d)
        x = x + attn @ self.o_w

        hn = rms_norm(x, self.post_norm, cfg.rms_norm_eps)
        x = x + (torch.nn.functional.silu(hn @ self.gate_w) * (hn @ self.up_w)) @ self.down_w
        return x, k, v


class Qwen2Core(nn.Module):
    """Weights plus the shared pieces of both graph conventions."""

    def __init__(self, ckpt: Checkpoint, dtype: torch.dtype = torch.float32):
        super().__init__()
        cfg, w = ckpt.config, ckpt.weights
        self.cfg = cfg
        self.dtype = dtype
        self.embed = _param(w["model.embed_tokens.weight"], dtype)
        self.layers = nn.ModuleList(DecoderLayer(cfg, w, i, dtype) for i in range(cfg.num_layers))
        self.final_norm = _param(w["model.norm.weight"], dtype)
        self.lm_head = self.embed if cfg.tie_word_embeddings else _param(w["lm_head.weight"], dtype)
        d = cfg.head_dim
        # Exactly transformers' default-RoPE inverse frequencies (float32).
        inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def rope(self, position_ids):
        freqs = position_ids.float().unsqueeze(-1) * self.inv_freq  # [B,S,D/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype).unsqueeze(1), emb.sin().to(self.dtype).unsqueeze(1)

    def logits(self, hidden):
        """Final norm + LM head for hidden [B,K,H] -> float32 logits [B,K,V]."""
        hidden = rms_norm(hidden, self.final_norm, self.cfg.rms_norm_eps)
        b, k = hidden.shape[0], hidden.shape[1]
        flat = _MatMulTransB.apply(hidden.reshape(-1, self.cfg.hidden_size), self.lm_head)
        return flat.reshape(b, k, -1).float()


class CausalGraph(nn.Module):
    """causal-kv-v1: (input_ids, attention_mask, position_ids, past k/v per layer) -> (logits, present k/v)."""

    def __init__(self, core: Qwen2Core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask, position_ids, *past):
        core = self.core
        s, t = input_ids.shape[1], attention_mask.shape[1]  # t = past length + s
        # Query i sits at key index (t - s) + i; it may see keys up to there that are not padding.
        q_idx = torch.arange(s) + (t - s)
        k_idx = torch.arange(t)
        causal = k_idx.unsqueeze(0) <= q_idx.unsqueeze(1)  # [S,T]
        allowed = causal.reshape(1, 1, 1, s, t) & (attention_mask > 0).reshape(-1, 1, 1, 1, t)

        x = torch.nn.functional.embedding(input_ids, core.embed)
        cos, sin = core.rope(position_ids)
        presents = []
        for i, layer in enumerate(core.layers):
            x, k, v = layer(x, cos, sin, allowed, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (core.logits(x), *presents)


class BidirectionalGraph(nn.Module):
    """bidirectional-gather-v1: (input_ids, attention_mask, position_ids, logits_rows) -> logits [B,K,V]."""

    def __init__(self, core: Qwen2Core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask, position_ids, logits_rows):
        core = self.core
        # Every query sees every non-padding key (no causal mask).
        allowed = (attention_mask > 0).reshape(-1, 1, 1, 1, attention_mask.shape[1])
        x = torch.nn.functional.embedding(input_ids, core.embed)
        cos, sin = core.rope(position_ids)
        for layer in core.layers:
            x, _, _ = layer(x, cos, sin, allowed)
        # Gather before the norm + LM head: the vocabulary projection is most of the cost.
        idx = logits_rows.unsqueeze(-1).expand(-1, -1, core.cfg.hidden_size)
        return core.logits(torch.gather(x, 1, idx))

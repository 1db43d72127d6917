import { basename } from 'node:path';
import { FIM_KEYS, ModelManifest } from './manifest';

/** How Qwen2.5-style tokenizers spell the tokens a manifest names. */
const FIM_TOKENS: Record<(typeof FIM_KEYS)[number], string> = {
  prefix: '<|fim_prefix|>',
  middle: '<|fim_middle|>',
  suffix: '<|fim_suffix|>',
  pad: '<|fim_pad|>',
  repo_name: '<|repo_name|>',
  file_sep: '<|file_sep|>',
};
const EOS = '<|endoftext|>';
const IM_END = '<|im_end|>';

interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string }>;
}

/**
 * A manifest for a standard optimum / transformers.js causal-LM export (`onnx/model.onnx` + config.json +
 * tokenizer.json, no manifest.json of ours). Ids come from the tokenizer's added tokens and config.json; the graph
 * shape (layers, heads, dtype) is filled in from the graph itself once it is open (see reconcileWithGraph).
 */
export function inferCausalManifest(
  dir: string,
  graphFile: string,
  config: Record<string, unknown>,
  tokenizer: TokenizerJson,
): ModelManifest {
  const added = new Map((tokenizer.added_tokens ?? []).map((token) => [token.content, token.id]));
  const configEos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
  const eos = added.get(EOS) ?? (typeof configEos === 'number' ? configEos : undefined);
  if (eos === undefined)
    throw new Error(
      `cannot tell the end-of-text id: tokenizer.json has no ${EOS} and config.json no eos_token_id`,
    );
  // FIM needs the whole Qwen2.5 set (the file separator and repo tokens are stop tokens too).
  const fimIds = FIM_KEYS.map((key) => added.get(FIM_TOKENS[key]));
  const fim = fimIds.every((id) => id !== undefined)
    ? (Object.fromEntries(FIM_KEYS.map((key, i) => [key, fimIds[i]])) as NonNullable<ModelManifest['fim']>)
    : null;
  const stop = [eos, added.get(IM_END), ...(fim ? Object.values(fim) : [])].filter(
    (id): id is number => id !== undefined,
  );
  const heads = Number(config.num_attention_heads);
  return {
    format: 'ensemble-model-dir',
    format_version: 1,
    name:
      typeof config._name_or_path === 'string' && config._name_or_path ? config._name_or_path : basename(dir),
    kind: 'autoregressive',
    dtype: 'float32',
    graph: {
      file: graphFile,
      convention: 'causal-kv-v1',
      inputs: [],
      outputs: [],
      num_layers: Number(config.num_hidden_layers),
      num_kv_heads: Number(config.num_key_value_heads ?? heads),
      head_dim: Number(config.head_dim ?? Number(config.hidden_size) / heads),
    },
    vocab_size: Number(config.vocab_size),
    context_length: Number(config.max_position_embeddings),
    special_ids: {
      eos,
      pad: typeof config.pad_token_id === 'number' ? config.pad_token_id : eos,
      mask: null,
    },
    fim,
    fim_tokens: fim ? { ...FIM_TOKENS } : null,
    stop_ids: [...new Set(stop)].sort((a, b) => a - b),
    logits_shift: 0,
  };
}

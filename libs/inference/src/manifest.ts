import { z } from 'zod';

/**
 * manifest.json of a model directory, written by tools/export (see tools/export/README.md). It tells a server
 * how to drive the graph without guessing: the kind, the I/O convention, special ids and the logits shift.
 */
const tokenId = z.number().int().nonnegative();

export const FIM_KEYS = ['prefix', 'middle', 'suffix', 'pad', 'repo_name', 'file_sep'] as const;

export const manifestSchema = z.object({
  format: z.literal('ensemble-model-dir'),
  format_version: z.literal(1),
  name: z.string().min(1),
  kind: z.enum(['autoregressive', 'diffusion']),
  dtype: z.enum(['float32', 'float16']),
  graph: z.object({
    file: z.string().min(1),
    convention: z.enum(['causal-kv-v1', 'bidirectional-gather-v1']),
    inputs: z.array(z.string()).min(1),
    outputs: z.array(z.string()).min(1),
    num_layers: z.number().int().positive(),
    num_kv_heads: z.number().int().positive(),
    head_dim: z.number().int().positive(),
  }),
  vocab_size: z.number().int().positive(),
  context_length: z.number().int().positive(),
  special_ids: z.object({ eos: tokenId, pad: tokenId, mask: tokenId.nullable() }),
  fim: z.record(z.enum(FIM_KEYS), tokenId).nullable(),
  fim_tokens: z.record(z.enum(FIM_KEYS), z.string()).nullable(),
  stop_ids: z.array(tokenId),
  /** 1: the prediction for position j is the graph's output row j-1 (Open-dLLM diffusion); 0: row j. */
  logits_shift: z.union([z.literal(0), z.literal(1)]),
  source: z.record(z.string(), z.unknown()).optional(),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type ModelKindName = ModelManifest['kind'];

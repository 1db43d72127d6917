import type { InferenceSession } from 'onnxruntime-node';
import type { ModelManifest } from './manifest';

const REQUIRED: Record<ModelManifest['graph']['convention'], { inputs: string[]; outputs: string[] }> = {
  'causal-kv-v1': { inputs: ['input_ids', 'attention_mask'], outputs: ['logits'] },
  'bidirectional-gather-v1': { inputs: ['input_ids', 'attention_mask', 'logits_rows'], outputs: ['logits'] },
};

/**
 * Checks a manifest against the graph it describes and fills in what the graph knows better (cache layout and
 * element type), so a mismatched directory fails at load with a precise message instead of at the first request.
 */
export function reconcileWithGraph(manifest: ModelManifest, session: InferenceSession): ModelManifest {
  const { convention } = manifest.graph;
  const problems: string[] = [];
  for (const name of REQUIRED[convention].inputs)
    if (!session.inputNames.includes(name)) problems.push(`no input ${name}`);
  for (const name of REQUIRED[convention].outputs)
    if (!session.outputNames.includes(name)) problems.push(`no output ${name}`);

  const graph = { ...manifest.graph, inputs: [...session.inputNames], outputs: [...session.outputNames] };
  let dtype = manifest.dtype;
  if (convention === 'causal-kv-v1') {
    const pastKeys = session.inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name));
    if (pastKeys.length === 0)
      problems.push('no past_key_values.N.key inputs (a causal graph needs a KV cache)');
    const past = session.inputMetadata.find((meta) => meta.name === 'past_key_values.0.key');
    if (past && past.isTensor) {
      const [, heads, , headDim] = past.shape;
      if (typeof heads === 'number') graph.num_kv_heads = heads;
      if (typeof headDim === 'number') graph.head_dim = headDim;
      if (past.type === 'float16' || past.type === 'float32') dtype = past.type;
      else problems.push(`KV cache element type ${past.type} is not supported`);
    }
    if (
      pastKeys.length > 0 &&
      manifest.graph.inputs.length > 0 &&
      pastKeys.length !== manifest.graph.num_layers
    ) {
      problems.push(`manifest says ${manifest.graph.num_layers} layers but the graph has ${pastKeys.length}`);
    }
    if (pastKeys.length > 0) graph.num_layers = pastKeys.length;
  }
  if (problems.length > 0) {
    throw new Error(`graph ${manifest.graph.file} does not follow ${convention}: ${problems.join('; ')}`);
  }
  return { ...manifest, dtype, graph };
}

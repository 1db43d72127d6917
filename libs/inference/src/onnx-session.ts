import * as ort from 'onnxruntime-node';
import { ModelManifest } from './manifest';

export type ExecutionProviderName = 'cpu' | 'cuda';

export interface SessionOptions {
  provider: ExecutionProviderName;
  /** 0: onnxruntime's default (one per core). */
  intraOpThreads: number;
  interOpThreads: number;
  /**
   * onnxruntime's weight prepacking (default on): decode at the 0.5B shape is ~1.3x faster with it, but the packed
   * copies cost memory — the tied embedding is kept twice, once for the lookup and once packed for the vocabulary
   * projection (docs/perf.md has both layouts measured). Off: ORT_PREPACK_WEIGHTS=false.
   */
  prepackWeights?: boolean;
  /** onnxruntime's profiler: per-kernel times into `<prefix>_<time>.json` (`bench perf --profile`). */
  profileFilePrefix?: string;
}

/**
 * Opens the graph on exactly the configured provider. onnxruntime throws rather than falling back when CUDA is
 * missing, and a silent CPU fallback on a GPU node would look like a 20x slowdown, so we fail with a clear message.
 */
export async function createSession(
  graphPath: string,
  options: SessionOptions,
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [options.provider],
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads > 0 ? { interOpNumThreads: options.interOpThreads } : {}),
    ...(options.prepackWeights === false ? { extra: { session: { disable_prepacking: '1' } } } : {}),
    ...(options.profileFilePrefix
      ? { enableProfiling: true, profileFilePrefix: options.profileFilePrefix }
      : {}),
  };
  try {
    return await ort.InferenceSession.create(graphPath, sessionOptions);
  } catch (error) {
    const message = (error as Error).message;
    if (options.provider === 'cuda') {
      throw new Error(
        `ORT_EXECUTION_PROVIDER=cuda, but onnxruntime-node could not start the CUDA provider (${message}). ` +
          'On a GPU host install onnxruntime-node with its CUDA binaries (npm install without ONNXRUNTIME_NODE_INSTALL=skip) ' +
          'and check the NVIDIA driver; elsewhere use ORT_EXECUTION_PROVIDER=cpu.',
      );
    }
    throw new Error(`cannot load ONNX graph ${graphPath}: ${message}`);
  }
}

/**
 * One forward pass over a single token, so weight prepacking and kernel selection happen before the server
 * reports SERVING instead of inside the first user's request.
 */
export async function warmUp(session: ort.InferenceSession, manifest: ModelManifest): Promise<void> {
  const { num_kv_heads: kvHeads, head_dim: headDim } = manifest.graph;
  const floatType = manifest.dtype === 'float16' ? 'float16' : 'float32';
  const one = () => new ort.Tensor('int64', BigInt64Array.from([0n]), [1, 1]);
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids')
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(manifest.special_ids.eos)]), [1, 1]);
    else if (name === 'attention_mask')
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from([1n]), [1, 1]);
    else if (name === 'position_ids' || name === 'logits_rows') feeds[name] = one();
    else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', Uint8Array.from([0]), [1]);
    else if (name.startsWith('past_key_values.')) {
      const empty = floatType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      feeds[name] = new ort.Tensor(floatType, empty, [1, kvHeads, 0, headDim]);
    } else {
      throw new Error(`graph input ${name} is not part of the ${manifest.graph.convention} convention`);
    }
  }
  const outputs = await session.run(feeds);
  for (const tensor of Object.values(outputs)) tensor.dispose?.();
}

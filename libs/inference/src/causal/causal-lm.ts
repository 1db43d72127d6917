import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../manifest';
import { SessionRunner } from '../session-runner';
import { KvCache, KvShape } from './kv-cache';

export interface CausalForward {
  /** [batch, steps, vocab] */
  logits: Float32Array;
  steps: number;
  vocab: number;
  present: KvCache;
}

export interface NewTokenPadding {
  /** Leading pad tokens per row; only allowed when the past is empty (a batch of prompts). */
  left?: number[];
  /** Trailing pad tokens per row (candidates of different lengths); the returned cache is then not reusable. */
  right?: number[];
}

/**
 * One causal forward over a batch: `tokens[r]` are the new tokens of row r, all the same length, padded when rows
 * differ; `past` is the cache they continue (empty for a prompt). Builds the optimum-convention feeds: attention
 * mask over past + new, position ids counting each row's real tokens only.
 */
export class CausalLm {
  readonly kvShape: KvShape;
  private readonly inputs: ReadonlySet<string>;

  constructor(
    readonly runner: SessionRunner,
    readonly manifest: ModelManifest,
  ) {
    const { num_layers: layers, num_kv_heads: heads, head_dim: headDim } = manifest.graph;
    this.kvShape = { layers, heads, headDim, type: manifest.dtype };
    this.inputs = new Set(runner.session.inputNames);
  }

  get vocab(): number {
    return this.manifest.vocab_size;
  }

  emptyPast(batch: number): KvCache {
    return KvCache.empty(this.kvShape, batch);
  }

  async forward(
    tokens: number[][],
    past: KvCache,
    kind: string,
    padding: NewTokenPadding = {},
  ): Promise<CausalForward> {
    const batch = tokens.length;
    const steps = tokens[0].length;
    const left = padding.left ?? new Array(batch).fill(0);
    const right = padding.right ?? new Array(batch).fill(0);
    if (past.length > 0 && left.some((pad) => pad > 0)) {
      throw new Error('left padding of new tokens needs an empty past (pads must lead every row)');
    }
    const pastMask = past.pastMask();
    const mask: number[] = [];
    const positions: number[] = [];
    for (let row = 0; row < batch; row++) {
      mask.push(...pastMask[row]);
      const start = past.realLength(row);
      for (let step = 0; step < steps; step++) {
        const real = step >= left[row] && step < steps - right[row];
        mask.push(real ? 1 : 0);
        positions.push(real ? start + step - left[row] : 0);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [batch, steps]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [batch, past.length + steps]),
      ...past.feeds(),
    };
    // Some exports derive positions from the mask; merged optimum decoders switch on use_cache_branch.
    if (this.inputs.has('position_ids')) {
      feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [batch, steps]);
    }
    if (this.inputs.has('use_cache_branch')) {
      feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.from([past.length > 0 ? 1 : 0]), [1]);
    }
    const outputs = await this.runner.run(feeds, kind);
    const logits = outputs.logits as ort.Tensor;
    const pads = past.length === 0 ? left : past.pads;
    return {
      logits: logits.data as Float32Array,
      steps,
      vocab: logits.dims[2] as number,
      present: KvCache.fromPresent(this.kvShape, outputs, pads),
    };
  }
}

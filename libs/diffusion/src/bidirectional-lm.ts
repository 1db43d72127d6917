import * as ort from 'onnxruntime-node';
import type { ModelManifest, SessionRunner } from '@ensemble/inference';

/**
 * The masked-diffusion model: one bidirectional forward over a whole canvas, with the vocabulary projection
 * applied only to the rows asked for. The graph does not shift; `predictionRows` applies the manifest's shift
 * (Open-dLLM: the prediction for position j is raw row j-1, row 0 for j = 0).
 */
export class BidirectionalLm {
  constructor(
    readonly runner: SessionRunner,
    readonly manifest: ModelManifest,
  ) {}

  get maskId(): number {
    const mask = this.manifest.special_ids.mask;
    if (mask === null) throw new Error(`model ${this.manifest.name} has no mask token`);
    return mask;
  }

  /** Graph rows whose logits predict the given canvas positions. */
  predictionRows(positions: number[]): number[] {
    const shift = this.manifest.logits_shift;
    return positions.map((position) => Math.max(position - shift, 0));
  }

  /**
   * Logits predicting `positions` of one canvas, as a [positions.length x vocab] array.
   * One sequence per forward: Open-dLLM's batched runs let attention see pad tokens, so single-sequence forwards
   * are the faithful reference.
   */
  async predict(
    canvas: number[],
    positions: number[],
    kind = 'denoise',
  ): Promise<{ logits: Float32Array; vocab: number }> {
    const length = canvas.length;
    const rows = this.predictionRows(positions);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(canvas, BigInt), [1, length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
      logits_rows: new ort.Tensor('int64', BigInt64Array.from(rows, BigInt), [1, rows.length]),
    };
    if (this.runner.session.inputNames.includes('position_ids')) {
      feeds.position_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length }, (_, i) => BigInt(i)),
        [1, length],
      );
    }
    const outputs = await this.runner.run(feeds, kind);
    const logits = outputs.logits as ort.Tensor;
    return { logits: logits.data as Float32Array, vocab: logits.dims[2] as number };
  }
}

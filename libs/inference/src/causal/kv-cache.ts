import * as ort from 'onnxruntime-node';

export type KvArray = Float32Array | Uint16Array;
export type KvElementType = 'float32' | 'float16';

export interface KvShape {
  layers: number;
  heads: number;
  headDim: number;
  type: KvElementType;
}

/**
 * The key/value cache of a batch of left-padded rows: per layer a key and a value array laid out
 * [batch, heads, length, headDim], plus how many leading positions of each row are padding.
 * Rows join (prefilled elsewhere, merged by left-padding) and leave (sliced out) between decode steps;
 * columns that are padding in every row are trimmed so a long row that left does not cost every later step.
 */
export class KvCache {
  private constructor(
    readonly shape: KvShape,
    readonly batch: number,
    readonly length: number,
    /** [key0, value0, key1, value1, ...] */
    readonly arrays: KvArray[],
    /** Leading padding positions per row. */
    readonly pads: number[],
  ) {}

  /** An empty past for `batch` rows (what the first forward is fed). */
  static empty(shape: KvShape, batch: number): KvCache {
    const arrays = Array.from({ length: shape.layers * 2 }, () => allocate(shape.type, 0));
    return new KvCache(shape, batch, 0, arrays, new Array(batch).fill(0));
  }

  /** Wraps a forward's `present.*` outputs (no copy). `pads` are the rows' leading padding in that forward. */
  static fromPresent(
    shape: KvShape,
    outputs: ort.InferenceSession.OnnxValueMapType,
    pads: number[],
  ): KvCache {
    const arrays: KvArray[] = [];
    let length = 0;
    for (let layer = 0; layer < shape.layers; layer++) {
      for (const kind of ['key', 'value']) {
        const tensor = outputs[`present.${layer}.${kind}`] as ort.Tensor;
        length = tensor.dims[2] as number;
        arrays.push(tensor.data as KvArray);
      }
    }
    return new KvCache(shape, pads.length, length, arrays, pads);
  }

  /** Real (non-padding) positions of a row: the next token's position id. */
  realLength(row: number): number {
    return this.length - this.pads[row];
  }

  /** The past_key_values.* feeds for the next forward. */
  feeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    const dims = [this.batch, this.shape.heads, this.length, this.shape.headDim];
    for (let layer = 0; layer < this.shape.layers; layer++) {
      feeds[`past_key_values.${layer}.key`] = new ort.Tensor(this.shape.type, this.arrays[2 * layer], dims);
      feeds[`past_key_values.${layer}.value`] = new ort.Tensor(
        this.shape.type,
        this.arrays[2 * layer + 1],
        dims,
      );
    }
    return feeds;
  }

  /** Attention mask over the past: zeros for each row's padding, ones for its real positions. */
  pastMask(): number[][] {
    return this.pads.map((pad) => Array.from({ length: this.length }, (_, i) => (i < pad ? 0 : 1)));
  }

  /** Keeps only the given rows (in that order), then trims shared padding. */
  select(rows: number[]): KvCache {
    if (rows.length === this.batch && rows.every((row, i) => row === i)) return this.trim();
    const pads = rows.map((row) => this.pads[row]);
    const trimmed = this.length - Math.min(...pads, this.length);
    return this.copyRows(
      rows.map((row) => ({ source: this, row })),
      trimmed,
    );
  }

  /** Appends the rows of `other`, left-padding whichever side is shorter so every row ends at the same column. */
  concat(other: KvCache): KvCache {
    const length = Math.max(this.length, other.length);
    const rows = [
      ...this.pads.map((_, row) => ({ source: this as KvCache, row })),
      ...other.pads.map((_, row) => ({ source: other, row })),
    ];
    return this.copyRows(rows, length);
  }

  /** `count` copies of one row (a shared prompt continued by several candidates). */
  repeat(row: number, count: number): KvCache {
    return this.copyRows(
      Array.from({ length: count }, () => ({ source: this as KvCache, row })),
      this.realLength(row),
    );
  }

  /** Drops leading columns that are padding in every row. */
  trim(): KvCache {
    const shared = Math.min(...this.pads);
    if (shared === 0 || this.batch === 0) return this;
    return this.copyRows(
      this.pads.map((_, row) => ({ source: this as KvCache, row })),
      this.length - shared,
    );
  }

  private copyRows(rows: Array<{ source: KvCache; row: number }>, length: number): KvCache {
    const { heads, headDim, type } = this.shape;
    const block = length * headDim;
    const arrays = this.arrays.map((_, index) => {
      const target = allocate(type, rows.length * heads * block);
      rows.forEach(({ source, row }, targetRow) => {
        // Rows are right-aligned: position j of a source row of length L lands at column j + (length - L).
        const keep = Math.min(source.length - source.pads[row], length);
        const from = source.length - keep;
        const to = length - keep;
        const sourceArray = source.arrays[index];
        for (let head = 0; head < heads; head++) {
          const sourceStart = ((row * heads + head) * source.length + from) * headDim;
          const targetStart = (targetRow * heads + head) * block + to * headDim;
          target.set(sourceArray.subarray(sourceStart, sourceStart + keep * headDim), targetStart);
        }
      });
      return target;
    });
    const pads = rows.map(({ source, row }) => length - Math.min(source.length - source.pads[row], length));
    return new KvCache(this.shape, rows.length, length, arrays, pads);
  }
}

function allocate(type: KvElementType, size: number): KvArray {
  return type === 'float16' ? new Uint16Array(size) : new Float32Array(size);
}

import * as ort from 'onnxruntime-node';
import { KvCache, KvShape } from './kv-cache';

const shape: KvShape = { layers: 1, heads: 1, headDim: 1, type: 'float32' };

/** A one-layer, one-head, width-1 cache whose values are the given rows (0 marks padding). */
function cache(rows: number[][], pads: number[]): KvCache {
  const length = rows[0].length;
  const tensor = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 1, length, 1]);
  return KvCache.fromPresent(shape, { 'present.0.key': tensor, 'present.0.value': tensor }, pads);
}

const keys = (kv: KvCache) => {
  const values = Array.from(kv.arrays[0]);
  return Array.from({ length: kv.batch }, (_, row) => values.slice(row * kv.length, (row + 1) * kv.length));
};

describe('KvCache', () => {
  it('right-aligns rows when concatenating caches of different lengths', () => {
    const joined = cache([[1, 2, 3]], [0]).concat(
      cache(
        [
          [0, 7],
          [8, 9],
        ],
        [1, 0],
      ),
    );
    expect(joined.length).toBe(3);
    expect(keys(joined)).toEqual([
      [1, 2, 3],
      [0, 0, 7],
      [0, 8, 9],
    ]);
    expect(joined.pads).toEqual([0, 2, 1]);
    expect(joined.realLength(1)).toBe(1);
    expect(joined.pastMask()).toEqual([
      [1, 1, 1],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('drops rows and the padding columns no remaining row needs', () => {
    const kv = cache(
      [
        [1, 2, 3, 4],
        [0, 0, 5, 6],
        [0, 0, 0, 7],
      ],
      [0, 2, 3],
    );
    const kept = kv.select([2, 1]);
    expect(kept.length).toBe(2);
    expect(keys(kept)).toEqual([
      [0, 7],
      [5, 6],
    ]);
    expect(kept.pads).toEqual([1, 0]);
  });

  it('keeps a cache untouched when every row stays and nothing is shared padding', () => {
    const kv = cache(
      [
        [1, 2],
        [0, 3],
      ],
      [0, 1],
    );
    expect(kv.select([0, 1])).toBe(kv);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { findProjectPath } from '@ensemble/config';
import { ModelKindName } from './manifest';
import { openModelDirectory } from './model-directory';
import { createSession } from './onnx-session';

/**
 * onnxruntime-node must compute what transformers computes: tools/export stored transformers' logits for a few
 * inputs next to each fixture (reference/logits.json); here the exported graph runs on the same inputs in Node.
 */
interface ReferenceRow {
  batch: number;
  row: number;
  top_ids: number[];
  top_values: number[];
  full?: number[] | null;
}

interface ReferenceCase {
  name: string;
  input_ids: number[][];
  attention_mask: number[][];
  position_ids: number[][];
  logits_rows?: number[][];
  rows: ReferenceRow[];
}

interface ReferenceFile {
  format: string;
  reference: string;
  cases: ReferenceCase[];
}

// Reference values are rounded to 6 decimals; fp32 kernels differ from torch's by ~1e-6.
const TOLERANCE = 1e-4;

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

function feedsFor(testCase: ReferenceCase, session: ort.InferenceSession, kvHeads: number, headDim: number) {
  const batch = testCase.input_ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(testCase.input_ids),
    attention_mask: int64(testCase.attention_mask),
    position_ids: int64(testCase.position_ids),
  };
  if (testCase.logits_rows) feeds.logits_rows = int64(testCase.logits_rows);
  for (const name of session.inputNames.filter((input) => input.startsWith('past_key_values.'))) {
    feeds[name] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
  }
  return feeds;
}

describe.each([
  ['tiny-ar', 'autoregressive'],
  ['tiny-diffusion', 'diffusion'],
] as const)('%s reproduces the transformers reference logits', (name: string, kind: ModelKindName) => {
  const dir = findProjectPath(`test/fixtures/models/${name}`) as string;
  const directory = openModelDirectory(dir, kind);
  const reference = JSON.parse(readFileSync(join(dir, 'reference', 'logits.json'), 'utf8')) as ReferenceFile;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    session = await createSession(directory.graphPath, {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
  });
  afterAll(async () => session?.release());

  it('is a reference made by transformers', () => {
    expect(reference.format).toBe('ensemble-reference-logits');
    expect(reference.reference).toMatch(/^transformers /);
    expect(reference.cases.length).toBeGreaterThan(0);
  });

  it.each(reference.cases.map((testCase) => [testCase.name, testCase] as const))(
    'case %s',
    async (_case, testCase) => {
      const { num_kv_heads: kvHeads, head_dim: headDim } = directory.manifest.graph;
      const output = await session.run(feedsFor(testCase, session, kvHeads, headDim));
      const logits = output.logits;
      const [, rows, vocab] = logits.dims as number[];
      const data = logits.data as Float32Array;
      let worst = 0;
      for (const expected of testCase.rows) {
        const offset = (expected.batch * rows + expected.row) * vocab;
        const actual = data.subarray(offset, offset + vocab);
        expected.top_ids.forEach(
          (id, i) => (worst = Math.max(worst, Math.abs(actual[id] - expected.top_values[i]))),
        );
        // The same token must win (reference fixtures are sharpened, so the top-1 gap is far above the tolerance).
        expect(argmax(actual)).toBe(expected.top_ids[0]);
        expected.full?.forEach((value, id) => (worst = Math.max(worst, Math.abs(actual[id] - value))));
      }
      expect(worst).toBeLessThan(TOLERANCE);
    },
  );
});

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

import { findProjectPath } from '@ensemble/config';
import { createSession, openModelDirectory, Rng, SessionRunner } from '@ensemble/inference';
import { ModelTokenizer } from '@ensemble/tokenizer';
import { BidirectionalLm } from './bidirectional-lm';
import { denoise, DenoiseRequest } from './denoise';

const dir = findProjectPath('test/fixtures/models/tiny-diffusion') as string;

describe('denoise on the tiny diffusion fixture', () => {
  let runner: SessionRunner;
  let lm: BidirectionalLm;
  let tokenizer: ModelTokenizer;

  beforeAll(async () => {
    const directory = openModelDirectory(dir, 'diffusion');
    runner = new SessionRunner(
      await createSession(directory.graphPath, { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 }),
    );
    lm = new BidirectionalLm(runner, directory.manifest);
    tokenizer = ModelTokenizer.fromFile(directory.tokenizerPath);
  });
  afterAll(async () => runner?.session.release());

  const canvasFor = (prefix: string, masks: number, suffix: string) => [
    ...tokenizer.encode(prefix),
    ...new Array(masks).fill(lm.maskId),
    ...tokenizer.encode(suffix),
  ];
  const request = (
    canvas: number[],
    algorithm: DenoiseRequest['algorithm'],
    steps: number,
  ): DenoiseRequest => ({
    canvas,
    steps,
    algorithm,
    sampling: { temperature: 0, topP: 1, topK: 0 },
    algTemp: 0,
    rng: new Rng(0),
    signal: new AbortController().signal,
  });

  const inputs = [
    ['def add(a, b):\n    ', '\n\nprint(add(1, 2))\n'],
    ['for i in range(10):\n', '\n'],
    ['', ' = 3\n'],
    ['import os\n', ''],
  ];

  it('applies the shift: with an empty prefix, positions 0 and 1 read the same row', async () => {
    const canvas = canvasFor('', 3, 'x = 1\n');
    const { logits, vocab } = await lm.predict(canvas, [0, 1, 2]);
    expect(Array.from(logits.subarray(0, vocab))).toEqual(Array.from(logits.subarray(vocab, 2 * vocab)));
    expect(Array.from(logits.subarray(vocab, 2 * vocab))).not.toEqual(
      Array.from(logits.subarray(2 * vocab, 3 * vocab)),
    );
  });

  it('p2 re-masks decoded tokens on some inputs; p2-legacy never does', async () => {
    let p2Remasked = 0;
    for (const [prefix, suffix] of inputs) {
      for (const [masks, steps] of [
        [8, 8],
        [12, 6],
        [16, 16],
      ]) {
        const canvas = canvasFor(prefix, masks, suffix);
        p2Remasked += (await denoise(lm, request(canvas, 'p2', steps))).remasked;
        expect((await denoise(lm, request(canvas, 'p2-legacy', steps))).remasked).toBe(0);
      }
    }
    expect(p2Remasked).toBeGreaterThan(0);
  });

  it('stops as soon as no position is masked', async () => {
    for (const algorithm of ['p2', 'p2-legacy', 'maskgit_plus', 'entropy', 'topk_margin'] as const) {
      // 3 masks over 10 steps: p2 runs steps - ceil(steps / N) + 1 = 7 forwards; maskgit commits everything by the last.
      const result = await denoise(lm, request(canvasFor('a = ', 3, '\n'), algorithm, 10));
      expect(result.canvas).not.toContain(lm.maskId);
      if (algorithm.startsWith('p2')) expect(result.forwards).toBe(10 - Math.ceil(10 / 3) + 1);
      else expect(result.forwards).toBeLessThanOrEqual(10);
    }
    const nothingToDo = await denoise(lm, request(tokenizer.encode('x = 1\n'), 'p2', 10));
    expect(nothingToDo.forwards).toBe(0);
  });

  it('stops between steps when its signal aborts', async () => {
    const controller = new AbortController();
    let steps = 0;
    const outcome = denoise(lm, {
      ...request(canvasFor('x = ', 40, '\n'), 'p2', 40),
      signal: controller.signal,
      onStep: () => {
        if (++steps === 2) controller.abort(new Error('stop'));
      },
    }).catch((error: Error) => error.message);
    expect(await outcome).toBe('stop');
    expect(steps).toBe(2);
  });
});

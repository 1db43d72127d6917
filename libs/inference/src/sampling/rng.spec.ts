import { Rng } from './rng';

/** PCG32 (XSH-RR, default increment) written with BigInt straight from the paper's definition: the reference. */
function* referencePcg32(seed: number): Generator<number> {
  const mask = (1n << 64n) - 1n;
  const multiplier = 6364136223846793005n;
  const increment = 1442695040888963407n;
  let state = 0n;
  const step = () => (state = (state * multiplier + increment) & mask);
  step();
  state = (state + BigInt(seed >>> 0)) & mask;
  step();
  for (;;) {
    const old = state;
    step();
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    yield ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }
}

describe('Rng', () => {
  it.each([0, 1, 42, 0xffffffff, 123456789])('matches a BigInt PCG32 for seed %d', (seed) => {
    const rng = new Rng(seed);
    const reference = referencePcg32(seed);
    for (let i = 0; i < 1000; i++) expect(rng.nextUint32()).toBe(reference.next().value);
  });

  it('gives floats in [0, 1) that look uniform', () => {
    const rng = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = rng.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });

  it('differs between seeds and repeats for the same seed', () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 8 },
        (
          (rng) => () =>
            rng.nextUint32()
        )(new Rng(seed)),
      );
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });
});

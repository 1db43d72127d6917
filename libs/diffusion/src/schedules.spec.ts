import { linspaceFloat32, maskgitTimesteps, maskgitTransfers, p2MaskedAfter } from './schedules';

describe('diffusion schedules (float32, as the reference computes them)', () => {
  it('p2 leaves nothing masked after the last step', () => {
    for (const [n, steps] of [
      [1, 1],
      [7, 3],
      [64, 64],
      [30, 128],
    ]) {
      expect(p2MaskedAfter(n, steps - 1, steps)).toBe(0);
    }
  });

  it('linspace matches its endpoints and is monotone', () => {
    const ts = maskgitTimesteps(64);
    expect(ts).toHaveLength(65);
    expect(ts[0]).toBe(1);
    expect(ts[64]).toBe(Math.fround(1e-3));
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeLessThan(ts[i - 1]);
    expect(linspaceFloat32(0, 1, 1)).toEqual([0]);
  });

  it('maskgit transfers every remaining mask on the last step and never more than remain', () => {
    const ts = maskgitTimesteps(8);
    expect(maskgitTransfers(5, 7, 8, ts)).toBe(5);
    for (let step = 0; step < 7; step++) expect(maskgitTransfers(5, step, 8, ts)).toBeLessThanOrEqual(5);
  });
});

/**
 * Seeded pseudo-random numbers for sampling: PCG32 (O'Neill 2014, the XSH-RR variant), 64-bit state held in
 * BigInt-free 32-bit halves for speed. Same seed -> same stream on every platform, which is what makes
 * "same seed + same request = same output" hold.
 */
export class Rng {
  private hi = 0;
  private lo = 0;

  constructor(readonly seed: number) {
    // Seeding per the reference implementation: state = 0; step; state += seed; step.
    this.step();
    this.addToState(0, seed >>> 0);
    this.step();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.step();
    // xorshifted = ((old >> 18) ^ old) >> 27, rotated right by old >> 59.
    const shiftedHi = oldHi >>> 18;
    const shiftedLo = ((oldLo >>> 18) | (oldHi << 14)) >>> 0;
    const xHi = (shiftedHi ^ oldHi) >>> 0;
    const xLo = (shiftedLo ^ oldLo) >>> 0;
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = oldHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  // state = state * 6364136223846793005 + 1442695040888963407 (mod 2^64), on 32-bit halves.
  private step(): void {
    const mulHi = 0x5851f42d;
    const mulLo = 0x4c957f2d;
    const { hi, lo } = multiply64(this.hi, this.lo, mulHi, mulLo);
    this.hi = hi;
    this.lo = lo;
    this.addToState(0x14057b7e, 0xf767814f);
  }

  private addToState(hi: number, lo: number): void {
    const sumLo = this.lo + lo;
    this.lo = sumLo >>> 0;
    this.hi = (this.hi + hi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
  }
}

function multiply64(aHi: number, aLo: number, bHi: number, bLo: number): { hi: number; lo: number } {
  // Split the low words into 16-bit halves so every partial product stays exact in a double.
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = ((middle << 16) | (p00 & 0xffff)) >>> 0;
  const carry = Math.floor(middle / 65536) + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + a1 * b1;
  const hi = (carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  return { hi, lo };
}

import { CappedBuffer } from './capped-buffer';

describe('CappedBuffer', () => {
  const feed = (buffer: CappedBuffer, parts: string[]) =>
    parts.forEach((part) => buffer.push(Buffer.from(part)));

  it('keeps the first bytes in head mode', () => {
    const buffer = new CappedBuffer(5, 'head');
    feed(buffer, ['abc', 'def', 'ghi']);
    expect(buffer.toString()).toBe('abcde');
    expect(buffer.totalBytes).toBe(9);
    expect(buffer.overflowed).toBe(true);
  });

  it('keeps the last bytes in tail mode (where a traceback ends)', () => {
    const buffer = new CappedBuffer(5, 'tail');
    feed(buffer, ['abc', 'def', 'ghi']);
    expect(buffer.toString()).toBe('efghi');
    expect(buffer.overflowed).toBe(true);
  });

  it('keeps everything under the cap', () => {
    const buffer = new CappedBuffer(10, 'tail');
    feed(buffer, ['abc', 'def']);
    expect(buffer.toString()).toBe('abcdef');
    expect(buffer.overflowed).toBe(false);
  });
});

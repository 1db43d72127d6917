import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file (or download) whose bytes do not have the expected sha256; the message names it and both hashes. */
export class Sha256MismatchError extends Error {
  override name = 'Sha256MismatchError';

  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    readonly expectedFrom: string,
  ) {
    super(`sha256 mismatch for ${file}: expected ${expected} (${expectedFrom}), got ${actual}`);
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function verifySha256(file: string, expected: string, expectedFrom: string): Promise<void> {
  const actual = await sha256File(file);
  if (actual !== expected.toLowerCase()) throw new Sha256MismatchError(file, expected, actual, expectedFrom);
}

export const SHA256SUMS = 'SHA256SUMS';

/**
 * Reads `<dir>/SHA256SUMS` (sha256sum's format: `<hex>  ./relative/path`, `*` for binary mode allowed) into
 * relative path (no leading './', '/' separators) -> lower-case hex. Undefined when the directory has no such file.
 */
export function readSha256Sums(dir: string): Map<string, string> | undefined {
  const file = join(dir, SHA256SUMS);
  if (!existsSync(file)) return undefined;
  const sums = new Map<string, string>();
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
      if (!match) throw new Error(`${file}:${i + 1}: not a sha256sum line: ${JSON.stringify(line)}`);
      sums.set(match[2].replace(/^\.\//, ''), match[1].toLowerCase());
    });
  return sums;
}

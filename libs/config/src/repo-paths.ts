import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Finds a path shipped with the project (e.g. the bundled tiny models) by walking up from this file,
 * so the same code works from sources (ts-jest), from dist/ and from a container image.
 */
export function findProjectPath(relative: string, from = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let version: string | undefined;

/** The project's version from its package.json, for GetModelInfo and logs. */
export function projectVersion(): string {
  if (version === undefined) {
    const file = findProjectPath('package.json');
    version = file
      ? String((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0')
      : '0.0.0';
  }
  return version;
}

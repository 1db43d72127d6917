import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The host programs the sandbox is built from; all absolute paths. */
export interface ToolPaths {
  bwrap: string;
  setpriv: string;
  prlimit: string;
  python3: string;
}

export type ToolName = keyof ToolPaths;

export const TOOL_NAMES: readonly ToolName[] = ['bwrap', 'setpriv', 'prlimit', 'python3'];

/**
 * Where tools are looked up by default: the system directories only, not $PATH, so a pyenv/venv python3 (which
 * lives outside /usr and would not be visible inside the sandbox) is never picked up by accident.
 */
export const SYSTEM_SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(delimiter);

export interface ToolLookupOptions {
  /** Directories to search, `:`-separated like $PATH. Default {@link SYSTEM_SEARCH_PATH}. */
  searchPath?: string;
  /** Explicit paths that win over the search (tests inject missing or fake tools here). */
  tools?: Partial<ToolPaths>;
}

export interface ToolLookup {
  found: Partial<ToolPaths>;
  /** Each missing tool with where it was looked for. */
  missing: { tool: ToolName; lookedIn: string }[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTools(names: readonly ToolName[], options: ToolLookupOptions = {}): ToolLookup {
  const searchPath = options.searchPath ?? SYSTEM_SEARCH_PATH;
  const dirs = searchPath.split(delimiter).filter((dir) => dir.length > 0);
  const lookup: ToolLookup = { found: {}, missing: [] };
  for (const tool of names) {
    const explicit = options.tools?.[tool];
    if (explicit !== undefined) {
      if (isExecutable(explicit)) lookup.found[tool] = explicit;
      else lookup.missing.push({ tool, lookedIn: explicit });
      continue;
    }
    const hit = dirs.map((dir) => join(dir, tool)).find(isExecutable);
    if (hit) lookup.found[tool] = hit;
    else lookup.missing.push({ tool, lookedIn: searchPath });
  }
  return lookup;
}

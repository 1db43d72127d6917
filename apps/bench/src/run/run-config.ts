import type { DatasetName } from '@ensemble/evaluation';
import { projectVersion } from '@ensemble/config';

/** What decides a run's predictions: two segments of one run (before and after --resume) must agree on all of it. */
export interface RunIdentity {
  dataset: DatasetName;
  slice: { offset: number; limit?: number; shardIndex?: number; shardCount?: number; taskIds?: string[] };
  sampling: {
    temperature?: number;
    topP?: number;
    topK?: number;
    seed?: number;
    maxNewTokens?: number;
    n?: number;
  };
  diffusion: { steps?: number; algorithm?: string; algTemp?: number };
  oracleLength: boolean;
  strategies: string[];
  primaryStrategy: string;
}

/** config.json: the identity plus where and how the run happened (free to differ between segments). */
export interface RunConfig extends RunIdentity {
  runId: string;
  version: string;
  createdAt: string;
  /** Orchestrator address, or "embedded". */
  target: string;
  models: Record<string, string>;
  /** Backend name -> how its model generates (the selection features need it). */
  kinds: Record<string, 'autoregressive' | 'diffusion'>;
  embedded?: { arModelDir: string; diffusionModelDir: string; tinyModels: boolean };
  concurrency: number;
  execution: { mode: string; timeoutMs: number } | null;
  segments: Array<{ startedAt: string; tasksRequested: number }>;
}

export function newRunConfig(
  identity: RunIdentity,
  details: Omit<RunConfig, keyof RunIdentity | 'version' | 'createdAt' | 'segments'>,
): RunConfig {
  return {
    ...identity,
    ...details,
    version: projectVersion(),
    createdAt: new Date().toISOString(),
    segments: [],
  };
}

/** The first identity field where a resumed run differs from the saved one, as "field: saved X, now Y". */
export function identityMismatch(saved: RunIdentity, now: RunIdentity): string | undefined {
  const fields: (keyof RunIdentity)[] = [
    'dataset',
    'slice',
    'sampling',
    'diffusion',
    'oracleLength',
    'strategies',
    'primaryStrategy',
  ];
  for (const field of fields) {
    const a = canonical(saved[field]);
    const b = canonical(now[field]);
    if (a !== b) return `${field}: the run was started with ${a}, now ${b}`;
  }
  return undefined;
}

/** JSON with sorted keys and undefined dropped, so equal settings compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

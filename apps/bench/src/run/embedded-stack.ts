import { appendFileSync } from 'node:fs';
import { freePort } from '@ensemble/grpc';
import { LocalStack } from '../local-stack';
import type { RunConfig } from './run-config';

/** Model directories for the embedded stack; undefined: the bundled tiny model of that kind. */
export interface EmbeddedModels {
  arModelDir?: string;
  diffusionModelDir?: string;
}

export const TINY_MODELS_WARNING =
  'running on the bundled tiny test models (random weights) — the pipeline is real, the scores are not ' +
  'meaningful. Give --ar-model-dir and --diffusion-model-dir for real numbers.';

export function describeModels(models: EmbeddedModels): NonNullable<RunConfig['embedded']> {
  return {
    arModelDir: models.arModelDir ?? 'bundled tiny model',
    diffusionModelDir: models.diffusionModelDir ?? 'bundled tiny model',
    tinyModels: !models.arModelDir || !models.diffusionModelDir,
  };
}

/** Starts the three servers on free loopback ports, their logs going to `logFile`; resolves once all serve. */
export async function startEmbeddedStack(
  models: EmbeddedModels,
  logFile: string,
  log: (line: string) => void,
): Promise<LocalStack> {
  const stack = new LocalStack({
    arPort: await freePort(),
    diffusionPort: await freePort(),
    orchestratorPort: await freePort(),
    arModelDir: models.arModelDir,
    diffusionModelDir: models.diffusionModelDir,
    metrics: false,
    startTimeoutMs: 600_000,
    log: (line) => appendFileSync(logFile, line + '\n'),
  });
  const described = describeModels(models);
  log(
    `bench: starting the embedded stack (ar: ${described.arModelDir}, diffusion: ${described.diffusionModelDir}); ` +
      `server logs in ${logFile}`,
  );
  if (described.tinyModels) log(`bench: NOTE: ${TINY_MODELS_WARNING}`);
  if (!(await stack.start())) throw new Error(`the embedded stack stopped while starting; see ${logFile}`);
  return stack;
}

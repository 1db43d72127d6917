import { spawnSync } from 'node:child_process';
import { findProjectPath } from '@ensemble/config';

export interface WandbOptions {
  project: string;
  entity?: string;
}

/** W&B settings from the flag or the standard WANDB_PROJECT / WANDB_ENTITY variables; undefined: not configured. */
export function wandbFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): WandbOptions | undefined {
  const project = flag ?? env.WANDB_PROJECT;
  return project ? { project, entity: env.WANDB_ENTITY || undefined } : undefined;
}

/** The interpreter with the wandb client: ENSEMBLE_WANDB_PYTHON, else <repo>/.venv-wandb, else python3. */
function wandbPython(env: NodeJS.ProcessEnv): string {
  if (env.ENSEMBLE_WANDB_PYTHON) return env.ENSEMBLE_WANDB_PYTHON;
  return findProjectPath('.venv-wandb/bin/python') ?? 'python3';
}

/**
 * Logs a finished run folder with tools/wandb/log_run.py (the Python client: it has Tables and a working offline
 * mode). The results files are the record; any failure here is a warning and never fails the run.
 */
export function logToWandb(runDir: string, options: WandbOptions, log: (line: string) => void): boolean {
  const script = findProjectPath('tools/wandb/log_run.py');
  if (!script) {
    log('bench: WARNING: W&B logging skipped: tools/wandb/log_run.py is not in this installation');
    return false;
  }
  const python = wandbPython(process.env);
  const args = [script, runDir, '--project', options.project, ...(options.entity ? ['--entity', options.entity] : [])];
  const result = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.status === 0) {
    log(`bench: logged to W&B project ${options.project}${process.env.WANDB_MODE === 'offline' ? ' (offline)' : ''}`);
    return true;
  }
  const reason = result.error?.message ?? (result.stderr.trim().split('\n').pop() || `exit ${result.status}`);
  log(`bench: WARNING: W&B logging failed (${python}): ${reason}; the results in ${runDir} are complete`);
  return false;
}

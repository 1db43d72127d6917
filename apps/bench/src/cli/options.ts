import { Command, InvalidArgumentError, Option } from 'commander';
import { DATASET_NAMES } from '@ensemble/evaluation';
import { WandbOptions, wandbFrom } from '../results/wandb-logger';

/** Progress and diagnostics go to stderr; stdout carries the result lines scripts read. */
export const log = (line: string) => process.stderr.write(line + '\n');

export function positiveInt(flag: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new InvalidArgumentError(`${flag} must be a non-negative integer`);
    return value;
  };
}

export function finiteNumber(flag: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new InvalidArgumentError(`${flag} must be a number`);
    return value;
  };
}

export function datasetOption(): Option {
  return new Option('--dataset <name>', 'benchmark split').choices(DATASET_NAMES).makeOptionMandatory();
}

/** How generated HumanEval programs are executed: the same flags on every command that judges. */
export interface JudgingCliOptions {
  unsafeNoSandbox?: boolean;
  parallelism?: number;
  timeout?: number;
}

export function addJudgingOptions(command: Command): Command {
  return command
    .option(
      '--unsafe-no-sandbox',
      'run generated code without bwrap (only in a container that is the sandbox)',
    )
    .option(
      '--parallelism <n>',
      'programs executed at once (default: CPU count)',
      positiveInt('--parallelism'),
    )
    .option('--timeout <ms>', 'per-program wall clock (HumanEval: 3000)', positiveInt('--timeout'));
}

export function judgingFrom(options: JudgingCliOptions) {
  return {
    unsafeNoSandbox: options.unsafeNoSandbox === true,
    parallelism: options.parallelism,
    timeoutMs: options.timeout,
  };
}

/** What a finished run writes besides its numbers: the report, and optionally a W&B run. */
export interface ReportingCliOptions {
  report: boolean;
  wandbProject?: string;
}

export function addReportingOptions(command: Command, { wandb = true } = {}): Command {
  command.option('--no-report', 'skip report.html and the chart PNGs');
  if (wandb) {
    command.option(
      '--wandb-project <name>',
      'also log to Weights & Biases (default: $WANDB_PROJECT; WANDB_MODE=offline works)',
    );
  }
  return command;
}

export function reportingFrom(options: ReportingCliOptions): { report: boolean; wandb?: WandbOptions } {
  return { report: options.report, wandb: wandbFrom(options.wandbProject) };
}

import { exactMatchFirstLine, exactMatchWhole } from '../metrics/exact-match';
import type { ExecutionStatus, JudgedCandidate, JudgedTask } from '../metrics/types';
import type { ScoringEntry } from '../predictions/read-predictions';
import { humanEvalProgram } from './human-eval-program';

export interface ExecutionOutcome {
  status: ExecutionStatus;
  /** The error's last line, for failures. */
  error?: string;
}

/** Runs one untrusted program (a sandbox); bounds its own parallelism, so callers may submit many at once. */
export interface ProgramExecutor {
  run(program: string): Promise<ExecutionOutcome>;
}

export interface JudgeOptions {
  /** Needed for HumanEval datasets; SantaCoder is judged by exact match only. */
  executor?: ProgramExecutor;
  /** Called as programs finish: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Judges every candidate of every entry: HumanEval by running its program (each distinct program once, however many
 * candidates share it), SantaCoder by both exact-match rules against the dataset's canonical middle.
 */
export async function judgeEntries(
  entries: readonly ScoringEntry[],
  options: JudgeOptions = {},
): Promise<JudgedTask[]> {
  // Each distinct program runs once, however many candidates share it; the total is known before the first finishes.
  const programs = new Set<string>();
  for (const { task, candidates } of entries) {
    if (task.dataset === 'santacoder-fim-py') continue;
    for (const candidate of candidates) programs.add(humanEvalProgram(task.row, candidate.completion));
  }
  if (programs.size > 0 && !options.executor) {
    throw new Error('judging HumanEval completions needs a program executor (a sandbox)');
  }
  let done = 0;
  const executions = new Map<string, Promise<ExecutionOutcome>>(
    [...programs].map((program) => [
      program,
      options.executor!.run(program).then((result) => {
        options.onProgress?.(++done, programs.size);
        return result;
      }),
    ]),
  );
  const execute = (program: string) => executions.get(program)!;

  return Promise.all(
    entries.map(async ({ task, candidates, selections }) => {
      const judged = await Promise.all(
        candidates.map(async (candidate): Promise<JudgedCandidate> => {
          const base = { ...candidate, perplexities: { ...candidate.perplexities } };
          if (task.dataset === 'santacoder-fim-py') {
            return {
              ...base,
              correct: {
                em_first_line: exactMatchFirstLine(candidate.completion, task.canonicalMiddle),
                em_whole: exactMatchWhole(candidate.completion, task.canonicalMiddle),
              },
            };
          }
          const outcome = await execute(humanEvalProgram(task.row, candidate.completion));
          return { ...base, correct: { execution: outcome.status === 'passed' }, execution: outcome };
        }),
      );
      return {
        taskId: task.id,
        index: task.index,
        canonicalMiddle: task.canonicalMiddle,
        candidates: judged,
        selections,
      };
    }),
  );
}

import type { HumanEvalInfillingRow } from '../benchmark-task';

/**
 * The program that decides a HumanEval-Infilling completion (docs/REFERENCE.md §4, as human-eval-infilling builds
 * it): `prompt + completion + suffix + "\n" + test + "\n" + "check(entry_point)"`, from the dataset's own prompt and
 * suffix whatever a predictions file says they were.
 */
export function humanEvalProgram(row: HumanEvalInfillingRow, completion: string): string {
  return `${row.prompt}${completion}${row.suffix}\n${row.test}\ncheck(${row.entry_point})`;
}

import type { EvaluationMetrics, JudgedTask } from '@ensemble/evaluation';
import { writeReport } from '@ensemble/report';
import type { RunFolder } from './run-folder';

export interface ResultsInput {
  title: string;
  runId: string;
  config: Record<string, unknown>;
  metrics: EvaluationMetrics;
  tasks: JudgedTask[];
  notes?: string[];
  /** Skip report.html and the chart PNGs. */
  noReport?: boolean;
  log: (line: string) => void;
}

/** metrics.json, outcomes.jsonl, then report.html + charts/*.png (a report problem is a warning, not a failure). */
export async function writeResults(folder: RunFolder, input: ResultsInput): Promise<void> {
  folder.writeJson('metrics.json', input.metrics);
  folder.writeOutcomes(input.tasks);
  if (input.noReport) return;
  try {
    const written = await writeReport(folder.dir, {
      title: input.title,
      runId: input.runId,
      createdAt: new Date().toISOString(),
      config: input.config,
      metrics: input.metrics,
      tasks: input.tasks,
      notes: input.notes,
    });
    for (const warning of written.warnings) input.log(`bench: report: ${warning}`);
    input.log(`bench: report: ${written.html}`);
  } catch (error) {
    input.log(`bench: WARNING: could not write the report: ${(error as Error).message}`);
  }
}

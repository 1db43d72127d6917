import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { JudgedTask, PredictionRecord } from '@ensemble/evaluation';

export const PREDICTIONS_FILE = 'predictions.jsonl';
export const OUTCOMES_FILE = 'outcomes.jsonl';

/**
 * A run's folder (`results/<run-id>/`): predictions.jsonl, outcomes.jsonl (every candidate judged), metrics.json,
 * stats.json, config.json, report.html and charts/. Predictions are appended one line per task as results arrive,
 * so a killed run keeps everything it finished; `readPredictions` drops a torn last line and `finalizePredictions`
 * rewrites the file sorted and de-duplicated (atomically, via rename).
 */
export class RunFolder {
  constructor(readonly dir: string) {}

  /** The folder at `dir`, created when missing. */
  static open(dir: string): RunFolder {
    mkdirSync(dir, { recursive: true });
    return new RunFolder(dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  exists(name: string): boolean {
    return existsSync(this.path(name));
  }

  readJson<T>(name: string): T | undefined {
    if (!this.exists(name)) return undefined;
    try {
      return JSON.parse(readFileSync(this.path(name), 'utf8')) as T;
    } catch (error) {
      throw new Error(`${this.path(name)}: not valid JSON (${(error as Error).message})`);
    }
  }

  writeJson(name: string, value: unknown): void {
    this.writeAtomically(name, JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * The predictions written so far, last line per task winning. A line cut short by a kill (no trailing newline,
   * or not JSON) is removed from the file so appends continue on a clean line.
   */
  readPredictions(): Map<string, PredictionRecord> {
    const records = new Map<string, PredictionRecord>();
    const file = this.path(PREDICTIONS_FILE);
    if (!existsSync(file)) return records;
    const text = readFileSync(file, 'utf8');
    let end = text.lastIndexOf('\n') + 1;
    const lines = text.slice(0, end).split('\n').filter(Boolean);
    const kept: PredictionRecord[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        kept.push(JSON.parse(line) as PredictionRecord);
      } catch {
        if (i !== lines.length - 1) throw new Error(`${file}:${i + 1}: not valid JSON; the run folder is damaged`);
        end -= Buffer.byteLength(line) + 1;
      }
    }
    if (Buffer.byteLength(text.slice(0, end)) !== Buffer.byteLength(text)) {
      truncateSync(file, Buffer.byteLength(text.slice(0, end)));
    }
    for (const record of kept) records.set(record.task_id, record);
    return records;
  }

  appendPrediction(record: PredictionRecord): void {
    appendFileSync(this.path(PREDICTIONS_FILE), JSON.stringify(record) + '\n');
  }

  /** Rewrites predictions.jsonl with one line per task in dataset order. */
  finalizePredictions(records: Iterable<PredictionRecord>): PredictionRecord[] {
    const sorted = [...records].sort((a, b) => a.index - b.index);
    this.writeAtomically(PREDICTIONS_FILE, sorted.map((r) => JSON.stringify(r) + '\n').join(''));
    return sorted;
  }

  writeOutcomes(tasks: readonly JudgedTask[]): void {
    this.writeAtomically(OUTCOMES_FILE, tasks.map((t) => JSON.stringify(t) + '\n').join(''));
  }

  readOutcomes(): JudgedTask[] {
    if (!this.exists(OUTCOMES_FILE)) return [];
    return readFileSync(this.path(OUTCOMES_FILE), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JudgedTask);
  }

  private writeAtomically(name: string, content: string): void {
    const target = this.path(name);
    const temporary = `${target}.tmp-${process.pid}`;
    writeFileSync(temporary, content);
    const fd = openSync(temporary, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, target);
  }
}

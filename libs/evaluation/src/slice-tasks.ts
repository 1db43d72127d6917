import type { BenchmarkTask } from './benchmark-task';

export interface TaskSlice {
  /** Keep only these tasks (see {@link matchesTaskId}); unknown ids are an error. */
  ids?: readonly (string | number)[];
  /** Skip this many tasks (after `ids`). */
  offset?: number;
  /** Keep at most this many tasks (after `offset`). */
  limit?: number;
  /** With `shardCount`: keep tasks whose `index % shardCount === shardIndex`. */
  shardIndex?: number;
  shardCount?: number;
}

/** A slice that cannot be applied; the message names the field. */
export class TaskSliceError extends Error {
  override name = 'TaskSliceError';
}

/**
 * Whether `id` names `task`: its `id` exactly; for SantaCoder also its index (number or decimal string, the
 * `task_id` of the seed's published files) or its dataset `name`.
 */
export function matchesTaskId(task: BenchmarkTask, id: string | number): boolean {
  return taskIdKeys(task).includes(String(id));
}

/** Every key {@link matchesTaskId} accepts -> its task. */
export function taskIndex<T extends BenchmarkTask>(tasks: readonly T[]): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const task of tasks) for (const key of taskIdKeys(task)) byKey.set(key, task);
  return byKey;
}

function taskIdKeys(task: BenchmarkTask): string[] {
  return task.dataset === 'santacoder-fim-py' ? [task.id, task.name, String(task.index)] : [task.id];
}

/**
 * The tasks of one run, in dataset order: first `ids` selects, then `offset` / `limit` cut a window, then the shard
 * keeps `index % shardCount === shardIndex` of that window (by the task's dataset index, so the shards of one window
 * are disjoint and together are the window, whatever the offset).
 */
export function sliceTasks<T extends BenchmarkTask>(tasks: readonly T[], slice: TaskSlice = {}): T[] {
  const { ids, offset = 0, limit, shardIndex, shardCount } = slice;
  checkCount('offset', offset, 0);
  if (limit !== undefined) checkCount('limit', limit, 0);
  if ((shardIndex === undefined) !== (shardCount === undefined)) {
    throw new TaskSliceError('shardIndex and shardCount go together: give both or neither');
  }
  if (shardCount !== undefined && shardIndex !== undefined) {
    checkCount('shardCount', shardCount, 1);
    checkCount('shardIndex', shardIndex, 0);
    if (shardIndex >= shardCount) {
      throw new TaskSliceError(`shardIndex must be less than shardCount (${shardCount}), got ${shardIndex}`);
    }
  }

  let selected: T[] = [...tasks];
  if (ids !== undefined) {
    const byKey = taskIndex(tasks);
    const wanted = new Set<T>();
    const unknown: (string | number)[] = [];
    for (const id of ids) {
      const task = byKey.get(String(id));
      if (task) wanted.add(task);
      else unknown.push(id);
    }
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).map((id) => JSON.stringify(id));
      const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
      throw new TaskSliceError(`ids: no task with id ${shown.join(', ')}${more}`);
    }
    selected = selected.filter((task) => wanted.has(task));
  }
  selected = selected.slice(offset, limit === undefined ? undefined : offset + limit);
  if (shardCount !== undefined && shardIndex !== undefined) {
    selected = selected.filter((task) => task.index % shardCount === shardIndex);
  }
  return selected;
}

function checkCount(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TaskSliceError(`${field} must be an integer >= ${min}, got ${value}`);
  }
}

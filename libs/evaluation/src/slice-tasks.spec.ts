import { type HumanEvalTask, type SantaCoderTask, humanEvalTask, santaCoderTask } from './benchmark-task';
import { TaskSliceError, matchesTaskId, sliceTasks } from './slice-tasks';

function humanEvalTasks(count: number): HumanEvalTask[] {
  return Array.from({ length: count }, (_, i) =>
    humanEvalTask(
      'humaneval-single-line',
      {
        task_id: `SingleLineInfilling/HumanEval/${i}/L0`,
        entry_point: 'f',
        prompt: 'def f():\n',
        suffix: '',
        canonical_solution: `    return ${i}\n`,
        test: 'def check(candidate):\n    pass\n',
      },
      i,
    ),
  );
}

function santaCoderTasks(count: number): SantaCoderTask[] {
  return Array.from({ length: count }, (_, i) =>
    santaCoderTask(
      { name: `task-${i}`, language: 'py', prompt: 'p', suffix: 's', canonical_solution: 'c', tests: 't' },
      i,
    ),
  );
}

const indices = (tasks: { index: number }[]) => tasks.map((task) => task.index);

describe('sliceTasks', () => {
  const tasks = humanEvalTasks(10);

  it('returns every task, in order, without a slice', () => {
    expect(sliceTasks(tasks)).toEqual(tasks);
    expect(sliceTasks(tasks, {})).not.toBe(tasks);
  });

  it('applies offset and limit', () => {
    expect(indices(sliceTasks(tasks, { offset: 3 }))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(indices(sliceTasks(tasks, { limit: 2 }))).toEqual([0, 1]);
    expect(indices(sliceTasks(tasks, { offset: 8, limit: 5 }))).toEqual([8, 9]);
    expect(sliceTasks(tasks, { offset: 20 })).toEqual([]);
    expect(sliceTasks(tasks, { limit: 0 })).toEqual([]);
  });

  it('shards by index % shardCount, disjoint shards that together are the (offset/limit) window', () => {
    expect(indices(sliceTasks(tasks, { shardIndex: 1, shardCount: 3 }))).toEqual([1, 4, 7]);
    const window = { offset: 2, limit: 7 };
    const shards = [0, 1, 2].map((shardIndex) =>
      indices(sliceTasks(tasks, { ...window, shardIndex, shardCount: 3 })),
    );
    expect(shards).toEqual([
      [3, 6],
      [4, 7],
      [2, 5, 8],
    ]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual(indices(sliceTasks(tasks, window)));
    expect(indices(sliceTasks(tasks, { shardIndex: 0, shardCount: 1 }))).toEqual(indices(tasks));
  });

  it('selects by id, keeping dataset order, before offset and limit', () => {
    const ids = [tasks[7].id, tasks[2].id, tasks[5].id, tasks[2].id];
    expect(indices(sliceTasks(tasks, { ids }))).toEqual([2, 5, 7]);
    expect(indices(sliceTasks(tasks, { ids, offset: 1, limit: 1 }))).toEqual([5]);
    expect(sliceTasks(tasks, { ids: [] })).toEqual([]);
  });

  it('names unknown ids', () => {
    expect(() => sliceTasks(tasks, { ids: ['HumanEval/0', 3] })).toThrow(
      new TaskSliceError('ids: no task with id "HumanEval/0", 3'),
    );
    const many = Array.from({ length: 7 }, (_, i) => `x${i}`);
    expect(() => sliceTasks(tasks, { ids: many })).toThrow('"x0", "x1", "x2", "x3", "x4" and 2 more');
  });

  it("selects SantaCoder tasks by id, index (the seed files' task_id) or name", () => {
    const santa = santaCoderTasks(6);
    expect(santa[4].id).toBe('4/task-4');
    expect(indices(sliceTasks(santa, { ids: ['4/task-4', 1, '3', 'task-5'] }))).toEqual([1, 3, 4, 5]);
    expect(matchesTaskId(santa[2], 2)).toBe(true);
    expect(matchesTaskId(santa[2], 'task-2')).toBe(true);
    expect(matchesTaskId(santa[2], '2/task-2')).toBe(true);
    expect(matchesTaskId(santa[2], 3)).toBe(false);
    expect(matchesTaskId(tasks[2], 2)).toBe(false);
  });

  it.each([
    [{ offset: -1 }, 'offset must be an integer >= 0, got -1'],
    [{ limit: 1.5 }, 'limit must be an integer >= 0, got 1.5'],
    [{ shardIndex: 0 }, 'shardIndex and shardCount go together'],
    [{ shardCount: 2 }, 'shardIndex and shardCount go together'],
    [{ shardIndex: 0, shardCount: 0 }, 'shardCount must be an integer >= 1, got 0'],
    [{ shardIndex: 2, shardCount: 2 }, 'shardIndex must be less than shardCount (2), got 2'],
    [{ shardIndex: -1, shardCount: 2 }, 'shardIndex must be an integer >= 0, got -1'],
  ])('rejects %j', (slice, message) => {
    expect(() => sliceTasks(tasks, slice)).toThrow(TaskSliceError);
    expect(() => sliceTasks(tasks, slice)).toThrow(message);
  });
});

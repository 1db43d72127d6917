import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { JudgedTask, SystemResult } from '@ensemble/evaluation';
import { writeReport, type ReportInput } from '@ensemble/report';
import { launchChromium } from '../support/chromium';

// Opens a written report.html in Debian's chromium (headless) and uses it like a reader would.

const XSS = '</script><img src=x onerror=alert(1)>';
const TASKS = 36;

// ---- a realistic run, written here by hand (not by the metrics code) ----

const AR_LINES = [
  'return sorted(set(l))',
  'if x < 0 and y > 0:',
  "return s.replace('&', '&amp;')",
  'result.append(numbers[i] - numbers[i + 1])',
  "return ' '.join(words)",
  'for i, c in enumerate(string):',
  XSS,
  'return "<" + tag + ">"',
  'while n > 1:\n        n //= 2\n        count += 1',
  '',
];
const DIFFUSION_LINES = [
  'return sorted(l)',
  'if x <= 0:',
  'return s',
  'result.append(abs(numbers[i] - numbers[i + 1]))',
  "return ''.join(words)",
  'for c in string:',
  'pass',
  "return '<%s>' % tag",
  'while n:\n        n -= 1',
  'return None  # "quoted" & <b>bold</b>',
];
const STRATEGIES = ['seed', 'fim', 'cross'];

function buildTasks(): JudgedTask[] {
  return Array.from({ length: TASKS }, (_, i) => {
    const arOk = i % 3 !== 0;
    const diffusionOk = i % 4 === 1 || i % 4 === 2;
    const ppl = (ok: boolean, offset: number) =>
      Number((1.2 + ((i + offset) % 5) * (ok ? 0.4 : 2.5)).toFixed(3));
    const ar = {
      backend: 'ar',
      completion: AR_LINES[i % AR_LINES.length],
      correct: { execution: arOk },
      execution: { status: arOk ? ('passed' as const) : ('failed' as const) },
      perplexities: {
        'ar/fim': ppl(arOk, 0),
        'ar/prefix_only': i === 7 ? NaN : ppl(arOk, 1),
        'diffusion/masked_one_shot': ppl(arOk, 2) * 3,
      },
    };
    const diffusion = {
      backend: 'diffusion',
      completion: DIFFUSION_LINES[i % DIFFUSION_LINES.length],
      correct: { execution: diffusionOk },
      execution: { status: diffusionOk ? ('passed' as const) : ('timed_out' as const) },
      perplexities: {
        'ar/fim': i === 5 ? Infinity : ppl(diffusionOk, 3),
        'ar/prefix_only': ppl(diffusionOk, 4),
        'diffusion/masked_one_shot': ppl(diffusionOk, 0) * 2,
      },
    };
    return {
      taskId: `SingleLineInfilling/HumanEval/${(i * 7) % TASKS}/L${i % 4}`,
      index: i,
      canonicalMiddle: AR_LINES[i % AR_LINES.length].replace('<', '<='),
      candidates: [ar, diffusion],
      selections: {
        seed: 0,
        fim: ar.perplexities['ar/fim'] <= diffusion.perplexities['ar/fim'] ? 0 : 1,
        cross: i % 2,
      },
    };
  });
}

function buildInput(): ReportInput {
  const tasks = buildTasks();
  const system = (name: string, kind: SystemResult['kind'], correct: number): SystemResult => ({
    name,
    kind,
    tasks: TASKS,
    correct,
    rate: correct / TASKS,
    passAtK: { 'pass@1': correct / TASKS },
  });
  const count = (ok: (t: JudgedTask) => boolean) => tasks.filter(ok).length;
  const ar = count((t) => t.candidates[0].correct.execution === true);
  const diffusion = count((t) => t.candidates[1].correct.execution === true);
  const oracle = count((t) => t.candidates.some((c) => c.correct.execution));
  const best = Math.max(ar, diffusion);
  const strategies = STRATEGIES.map((s) => {
    const correct = count((t) => t.candidates[t.selections[s]].correct.execution === true);
    const picksAr = count((t) => t.selections[s] === 0) / TASKS;
    return {
      ...system(`ensemble:${s}`, 'strategy', correct),
      efficiency: (correct - best) / (oracle - best),
      selectionRate: { ar: picksAr, diffusion: 1 - picksAr },
    };
  });
  return {
    title: 'humaneval-single-line — tiny models <smoke>',
    runId: 'run-20240101-000000',
    createdAt: '2024-01-01T00:00:00Z',
    config: {
      dataset: 'humaneval-single-line',
      limit: TASKS,
      backends: { ar: 'tiny-ar', diffusion: 'tiny-diffusion' },
    },
    notes: ['ran on the bundled tiny models: numbers are not meaningful'],
    metrics: {
      dataset: 'humaneval-single-line',
      tasks: TASKS,
      failedTasks: 2,
      counts: { tasks: TASKS, passed: ar },
      rates: { passed: ar / TASKS },
      rules: [
        {
          rule: 'execution',
          systems: [
            system('ar', 'model', ar),
            system('diffusion', 'model', diffusion),
            ...strategies,
            system('oracle', 'oracle', oracle),
          ],
          bestSingle: ar >= diffusion ? 'ar' : 'diffusion',
          perplexity: [
            {
              generator: 'ar',
              scorer: 'ar/fim',
              count: TASKS,
              mean: 3.1,
              median: 2.4,
              auroc: 0.8,
              pointBiserial: -0.5,
            },
          ],
          calibration: [
            {
              predictor: 'ar/fim',
              bins: [
                { lower: 0, upper: 0.5, count: 30, meanPredicted: 0.3, observed: 0.2 },
                { lower: 0.5, upper: 1, count: 42, meanPredicted: 0.75, observed: 0.8 },
              ],
            },
          ],
        },
      ],
    },
    tasks,
  };
}

// ---- browser plumbing ----

interface Opened {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and dialogs (an alert would mean injected script ran). */
  problems: string[];
  requests: string[];
}

describe('report.html in chromium', () => {
  let browser: Browser | undefined;
  let dir: string;
  let url: string;
  const input = buildInput();
  const opened: Opened[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-e2e-'));
    const written = await writeReport(dir, input);
    url = pathToFileURL(written.html).href;
    // A fresh temporary user-data-dir of its own (removed on close); the error names a missing package.
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(javaScriptEnabled = true): Promise<Opened> {
    if (!browser) throw new Error('chromium did not start');
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const o: Opened = { context, page, problems: [], requests: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') o.problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => o.problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      o.problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => o.requests.push(r.url()));
    opened.push(o);
    await page.goto(url, { waitUntil: 'load' });
    return o;
  }

  /** After each test: nothing went wrong and nothing but the page itself was requested. */
  afterEach(async () => {
    const all = opened.splice(0);
    for (const o of all) await o.context.close();
    for (const o of all) {
      expect(o.problems).toEqual([]);
      expect(o.requests).toEqual([url]);
    }
  });

  const taskIds = (page: Page) =>
    page.$$eval('#tasks tbody tr', (rows) => rows.map((r) => r.getAttribute('data-task-id') ?? ''));
  const columnTexts = (page: Page, column: number) =>
    page.$$eval('#tasks tbody tr', (rows, c) => rows.map((r) => r.children[c].textContent ?? ''), column);
  const headerIndex = (page: Page, label: string) =>
    page.$$eval(
      '#tasks thead th',
      (ths, l) => ths.findIndex((th) => th.textContent?.trim().startsWith(l)),
      label,
    );
  const sortBy = (page: Page, label: string) =>
    page.locator('#tasks thead button.sort', { hasText: label }).first().click();

  it('opens with the notes, the headline table and the per-task table, all rows present', async () => {
    const { page } = await open();
    expect(await page.title()).toBe(input.title);
    await expect(page.locator('#notes').isVisible()).resolves.toBe(true);
    expect(await page.locator('#notes').innerText()).toContain('numbers are not meaningful');
    const headline = page.locator('#headline-execution');
    expect(await headline.isVisible()).toBe(true);
    expect(await headline.locator('tbody tr').count()).toBe(input.metrics.rules[0].systems.length);
    expect(await page.locator('#headline-execution tr.best-strategy').count()).toBeGreaterThan(0);
    expect(await page.locator('#headline-execution tr.best-model').count()).toBe(1);
    expect(await page.locator('#tasks').isVisible()).toBe(true);
    expect(await page.locator('#tasks tbody tr').count()).toBe(TASKS);
    expect(await page.locator('#task-no-script').isVisible()).toBe(false);
    expect(await page.locator('#task-count').innerText()).toBe(
      `${TASKS} of ${TASKS} matching tasks shown (${TASKS} in total)`,
    );
    expect(await page.locator('#charts svg').count()).toBe(4);
    // The script-breaking completion is displayed as text and created no element.
    expect(await page.locator('img').count()).toBe(0);
    const xssTask = input.tasks.find((t) => t.candidates[0].completion === XSS)!;
    const row = page.locator(`#tasks tbody tr[data-task-id="${xssTask.taskId}"]`);
    expect(await row.innerText()).toContain(XSS);
  });

  it('sorts when a column header is clicked, and reverses on a second click', async () => {
    const { page } = await open();
    expect(await columnTexts(page, 0)).toEqual(input.tasks.map((t) => String(t.index)));
    const collator = new Intl.Collator('en', { numeric: true });
    const ascending = input.tasks.map((t) => t.taskId).sort(collator.compare);

    await sortBy(page, 'task');
    expect(await taskIds(page)).toEqual(ascending);
    expect(await page.locator('#tasks thead th').nth(1).getAttribute('aria-sort')).toBe('ascending');
    await sortBy(page, 'task');
    expect(await taskIds(page)).toEqual([...ascending].reverse());
    expect(await page.locator('#tasks thead th').nth(1).getAttribute('aria-sort')).toBe('descending');

    // A numeric column: finite perplexities ascending, then the infinite one, then the missing (NaN) one.
    const column = await headerIndex(page, 'diffusion ppl ar/fim');
    expect(column).toBeGreaterThan(0);
    await sortBy(page, 'diffusion ppl ar/fim');
    const shown = await columnTexts(page, column);
    const finite = shown.filter((s) => s !== '∞').map(Number);
    expect(finite).toEqual([...finite].sort((a, b) => a - b));
    expect(shown[shown.length - 1]).toBe('∞');
    expect(await taskIds(page)).not.toEqual(input.tasks.map((t) => t.taskId));
  });

  it('filters by text and by the disagreement and wrong-pick toggles', async () => {
    const { page } = await open();
    const matching = (needle: string) =>
      input.tasks.filter((t) =>
        [t.taskId, t.canonicalMiddle, ...t.candidates.map((c) => c.completion)]
          .join('\n')
          .toLowerCase()
          .includes(needle),
      );
    const needle = 'enumerate';
    const expected = matching(needle);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(TASKS);

    await page.fill('#task-filter', 'ENUMERATE');
    expect((await taskIds(page)).sort()).toEqual(expected.map((t) => t.taskId).sort());
    expect(await page.locator('#task-count').innerText()).toBe(
      `${expected.length} of ${expected.length} matching tasks shown (${TASKS} in total)`,
    );
    await page.fill('#task-filter', '');
    expect(await page.locator('#tasks tbody tr').count()).toBe(TASKS);

    const disagreeing = input.tasks.filter(
      (t) => t.candidates[0].correct.execution !== t.candidates[1].correct.execution,
    );
    await page.check('#only-disagreements');
    expect((await taskIds(page)).sort()).toEqual(disagreeing.map((t) => t.taskId).sort());
    await page.uncheck('#only-disagreements');

    const wrongPick = input.tasks.filter((t) =>
      STRATEGIES.some((s) => t.candidates[t.selections[s]].correct.execution === false),
    );
    await page.check('#only-wrong');
    expect((await taskIds(page)).sort()).toEqual(wrongPick.map((t) => t.taskId).sort());
    expect(wrongPick.length).toBeLessThan(TASKS);

    // Toggles and text combine.
    await page.fill('#task-filter', needle);
    expect((await taskIds(page)).sort()).toEqual(
      wrongPick
        .filter((t) => expected.includes(t))
        .map((t) => t.taskId)
        .sort(),
    );
  });

  it('expands a long completion to its full text', async () => {
    const { page } = await open();
    const multiLine = input.tasks.find((t) => t.candidates[0].completion.includes('\n'))!;
    const cell = page.locator(`#tasks tbody tr[data-task-id="${multiLine.taskId}"] td`).nth(3);
    expect(await cell.locator('pre').isVisible()).toBe(false);
    await cell.locator('summary').click();
    expect(await cell.locator('pre').innerText()).toBe(multiLine.candidates[0].completion);
  });

  it('shows the headline and the charts with JavaScript disabled', async () => {
    const { page } = await open(false);
    expect(await page.locator('#headline-execution tbody tr').count()).toBe(
      input.metrics.rules[0].systems.length,
    );
    expect(await page.locator('#headline-execution').isVisible()).toBe(true);
    expect(await page.locator('#charts svg').count()).toBe(4);
    expect(await page.locator('#tasks tbody tr').count()).toBe(0);
    expect(await page.getByText('enable JavaScript to see it').isVisible()).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, openFile } from '../support/chromium';
import { ROOT } from './bench-cli';

/** `npm run experiments -- ARGS` from the repository root, exactly as the README tells users. */
function npmRunExperiments(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'experiments', '--', ...args], {
      cwd: ROOT,
      env: process.env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run experiments -- --limit 20 (embedded tiny models)', () => {
  const results = mkdtempSync(join(tmpdir(), 'experiments-'));
  const experiment = join(results, 'e2e');
  let browser: Browser;
  let run: { code: number | null; output: string };

  beforeAll(async () => {
    run = await npmRunExperiments(['--limit', '20', '--results-dir', results, '--experiment-id', 'e2e']);
    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('finishes, and says plainly that the tiny models ran', () => {
    expect(run.code).toBe(0);
    expect(run.output).toContain('bench: NOTE: running on the bundled tiny test models');
    expect(readFileSync(join(experiment, 'summary.md'), 'utf8')).toContain('bundled tiny test models');
  });

  it.each(['humaneval-single-line', 'santacoder-fim-py'])('%s: a complete run folder', (dataset) => {
    const dir = join(experiment, dataset);
    for (const file of ['config.json', 'metrics.json', 'stats.json', 'outcomes.jsonl', 'report.html']) {
      expect([file, existsSync(join(dir, file))]).toEqual([file, true]);
    }
    const predictions = readFileSync(join(dir, 'predictions.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(predictions).toHaveLength(20);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    // The published protocol (docs/REFERENCE.md §5).
    expect(config).toMatchObject({
      oracleLength: true,
      sampling: { temperature: 0.6, topP: 0.95 },
      diffusion: { steps: 64, algorithm: 'p2' },
    });
  });

  it.each(['humaneval-single-line', 'santacoder-fim-py'])(
    '%s: report.html opens in Chromium with its tables, no errors and no network',
    async (dataset) => {
      const visit = await openFile(browser, join(experiment, dataset, 'report.html'));
      expect(await visit.page.locator('table').first().isVisible()).toBe(true);
      expect(await visit.page.locator('svg').count()).toBeGreaterThan(0);
      expect(await visit.page.textContent('body')).toContain('tiny test models');
      expect(visit.consoleErrors).toEqual([]);
      expect(visit.pageErrors).toEqual([]);
      expect(visit.otherRequests).toEqual([]);
      await visit.page.context().close();
    },
  );
});

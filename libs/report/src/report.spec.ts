import { createHash } from 'node:crypto';
import type { SystemResult } from '@ensemble/evaluation';
import { CLIENT_SCRIPT } from './client-script';
import type { ReportInput } from './data';
import { contentSecurityPolicy, renderReport, taskTableData, type TaskTableData } from './report';
import { syntheticInput, XSS } from './testing/fixture';

/** The HTML of the table with this id. */
function tableHtml(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</table>', start));
}

const textOf = (cell: string) =>
  cell
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

/** Header texts and, per system, its cell texts (first cell = the row header). */
function headline(html: string, rule: string): { head: string[]; rows: Map<string, string[]> } {
  const table = tableHtml(html, `headline-${rule}`);
  const head = [
    ...table.slice(table.indexOf('<thead>'), table.indexOf('</thead>')).matchAll(/<th[^>]*>(.*?)<\/th>/g),
  ].map((m) => textOf(m[1]));
  const rows = new Map<string, string[]>();
  for (const m of table.matchAll(/<tr[^>]*data-system="([^"]*)"[^>]*>(.*?)<\/tr>/g)) {
    rows.set(
      textOf(m[1]),
      [...m[2].matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => textOf(c[1])),
    );
  }
  return { head, rows };
}

function embeddedData(html: string): TaskTableData {
  const m = /<script type="application\/json" id="task-data">(.*?)<\/script>/s.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]) as TaskTableData;
}

describe('renderReport', () => {
  const input = syntheticInput(40);
  const html = renderReport(input);

  it('escapes a completion that tries to close the script and inject an image', () => {
    expect(input.tasks[3].candidates[0].completion).toBe(XSS);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(1)>');
    // The only script end tags are those of the two script elements.
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<script[\s>]/gi)).toHaveLength(2);
    // The completion survives, unchanged, in the embedded data...
    expect(embeddedData(html).tasks[3].c[0].t).toBe(XSS);
    // ...and the config (which holds it too) is shown escaped.
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes the title, notes, run id and system names', () => {
    const evil = syntheticInput(5);
    evil.title = '<b>t</b>';
    evil.runId = '"><i>';
    evil.notes = ['<u>note</u> & more'];
    evil.metrics.rules[0].systems[0].name = '<s>ar</s>';
    const out = renderReport(evil);
    for (const raw of ['<b>t</b>', '"><i>', '<u>', '<s>ar</s>']) expect(out).not.toContain(raw);
    expect(out).toContain('<title>&lt;b&gt;t&lt;/b&gt;</title>');
    expect(out).toContain('&lt;u&gt;note&lt;/u&gt; &amp; more');
  });

  it('shows the notes prominently, before the headline', () => {
    const notes = html.indexOf('id="notes"');
    expect(notes).toBeGreaterThan(0);
    expect(notes).toBeLessThan(html.indexOf('id="headline"'));
    expect(html).toContain('<li>ran on the bundled tiny models: numbers are not meaningful</li>');
    expect(renderReport({ ...input, notes: [] })).not.toContain('id="notes"');
  });

  it('puts the input metrics in the headline table, one row per system', () => {
    const rule = input.metrics.rules[0];
    const { head, rows } = headline(html, 'execution');
    expect(head).toEqual([
      'system',
      'kind',
      'correct / tasks',
      'rate %',
      'pass@1 %',
      'selection efficiency %',
      'picks ar %',
      'picks diffusion %',
    ]);
    expect([...rows.keys()]).toEqual(rule.systems.map((s) => s.name));
    for (const s of rule.systems) {
      const cells = rows.get(s.name)!;
      expect(cells[2]).toBe(`${s.correct} / ${s.tasks}`);
      expect(cells[3]).toBe((s.rate * 100).toFixed(1));
      expect(cells[4]).toBe((s.passAtK['pass@1'] * 100).toFixed(1));
      if (s.kind === 'strategy') {
        expect(cells[5]).toBe(s.efficiency === null ? 'n/a' : (s.efficiency! * 100).toFixed(1));
        expect(cells[6]).toBe((s.selectionRate!.ar * 100).toFixed(1));
        expect(cells[7]).toBe((s.selectionRate!.diffusion * 100).toFixed(1));
      } else {
        expect(cells.slice(5)).toEqual(['—', '—', '—']);
      }
    }
    expect(rows.get('ensemble:cross')).toEqual([
      'ensemble:cross best strategy',
      'ensemble',
      '26 / 40',
      '65.0',
      '65.0',
      '50.0',
      '70.0',
      '30.0',
    ]);
  });

  it('highlights the best model alone and the best strategy (ties included)', () => {
    const marked = (out: string, cls: string) =>
      [...out.matchAll(new RegExp(`<tr class="[^"]*\\b${cls}\\b[^"]*" data-system="([^"]*)"`, 'g'))].map(
        (m) => m[1],
      );
    expect(marked(html, 'best-model')).toEqual(['ar']);
    expect(marked(html, 'best-strategy')).toEqual(['ensemble:cross']);

    const tie = syntheticInput(40);
    const systems = tie.metrics.rules[0].systems;
    const fim = systems.find((s) => s.name === 'ensemble:fim')!;
    Object.assign(fim, { correct: 26, rate: 0.65 });
    tie.metrics.rules[0].bestSingle = null; // computed from the rates instead
    systems.find((s) => s.name === 'diffusion')!.rate = 0.9;
    const out = renderReport(tie);
    expect(marked(out, 'best-model')).toEqual(['diffusion']);
    expect(marked(out, 'best-strategy')).toEqual(['ensemble:fim', 'ensemble:cross']);
  });

  it('labels each SantaCoder rule and gives each its own table', () => {
    const sc = renderReport(syntheticInput(10, 'santacoder-fim-py'));
    expect(sc).toContain('<h3>Exact match, first-line rule (Open-dLLM)</h3>');
    expect(sc).toContain('<h3>Exact match, whole rule (bigcode harness)</h3>');
    expect(headline(sc, 'em_first_line').rows.size).toBe(6);
    expect(headline(sc, 'em_whole').rows.size).toBe(6);
    expect(sc).not.toContain('id="headline-execution"');
  });

  it('shows every pass@k column present, in k order, and "—" for missing or non-finite values', () => {
    const odd = syntheticInput(10);
    const ar = odd.metrics.rules[0].systems[0];
    ar.passAtK = { 'pass@10': 0.9, 'pass@1': 0.5 };
    ar.rate = NaN;
    const { head, rows } = headline(renderReport(odd), 'execution');
    expect(head.slice(4, 6)).toEqual(['pass@1 %', 'pass@10 %']);
    expect(rows.get('ar')!.slice(3, 6)).toEqual(['—', '50.0', '90.0']);
    expect(rows.get('diffusion')![5]).toBe('—');
  });

  it('embeds the per-task data with verdicts, perplexities (Infinity/NaN encoded) and picks', () => {
    const odd = syntheticInput(3);
    odd.tasks[0].candidates[1].perplexities = { 'ar/fim': Infinity, 'ar/prefix_only': NaN };
    odd.tasks[1].selections = { seed: 7, fim: -1, cross: 1 };
    const data = taskTableData(odd);
    expect(data.rules).toEqual([{ id: 'execution', label: 'execution' }]);
    expect(data.backends).toEqual(['ar', 'diffusion']);
    expect(data.strategies).toEqual(['seed', 'fim', 'cross']);
    expect(data.scorers).toEqual(['ar/fim', 'ar/prefix_only', 'diffusion/masked_one_shot']);
    expect(data.tasks[0].c[1].p).toEqual(['inf', 'nan', null]);
    expect(data.tasks[1].s).toEqual([null, null, 1]);
    expect(data.tasks[0].c[0].ok).toEqual([odd.tasks[0].candidates[0].correct.execution ? 1 : 0]);
    expect(embeddedData(renderReport(odd))).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('renders runs without tasks, rules or systems', () => {
    const empty: ReportInput = {
      title: 'nothing',
      runId: 'r0',
      createdAt: '2024-01-01',
      config: {},
      metrics: {
        dataset: 'humaneval-single-line',
        tasks: 0,
        failedTasks: 0,
        counts: { tasks: 0 },
        rates: {},
        rules: [],
      },
      tasks: [],
    };
    const out = renderReport(empty);
    expect(out).toContain('no data: the metrics have no rules');
    expect(out.match(/>no data<\/text>/g)).toHaveLength(4);
    expect(embeddedData(out).tasks).toEqual([]);

    const noSystems = syntheticInput(0);
    noSystems.metrics.rules[0].systems = [] as SystemResult[];
    expect(renderReport(noSystems)).toContain('>no systems</td>');
  });

  it('is deterministic and self-contained', () => {
    expect(renderReport(syntheticInput(40))).toBe(html);
    // Nothing to fetch: the only URLs are the SVG namespace and the empty data: favicon.
    const urls = [...html.matchAll(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"/gi)].map(
      (m) => m[1],
    );
    expect(urls).toEqual(['data:,']);
    expect(html).not.toMatch(/@import|url\(/);
    expect([...html.matchAll(/https?:\/\/[^"'\s<]+/g)].map((m) => m[0])).toEqual(
      expect.arrayContaining(['http://www.w3.org/2000/svg']),
    );
    expect(new Set([...html.matchAll(/https?:\/\/[^"'\s<]+/g)].map((m) => m[0]))).toEqual(
      new Set(['http://www.w3.org/2000/svg']),
    );
  });

  it('allows only its own script through the Content-Security-Policy', () => {
    const hash = createHash('sha256').update(CLIENT_SCRIPT).digest('base64');
    expect(contentSecurityPolicy()).toContain(`script-src 'sha256-${hash}'`);
    expect(contentSecurityPolicy()).toContain("default-src 'none'");
    expect(html).toContain(`<script>${CLIENT_SCRIPT}</script>`);
    expect(html).toContain(`script-src &#39;sha256-${hash}&#39;`);
  });

  it('has a client script that compiles and cannot end its element early', () => {
    expect(CLIENT_SCRIPT.toLowerCase()).not.toContain('</script');
    expect(CLIENT_SCRIPT).not.toContain('<!--');
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
    expect(CLIENT_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});

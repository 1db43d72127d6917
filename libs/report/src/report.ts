/** The self-contained report.html: static headline tables and SVG charts, a scripted per-task table. */
import { createHash } from 'node:crypto';
import type { EvaluationMetrics, JudgedTask, RuleMetrics, SystemResult } from '@ensemble/evaluation';
import { buildCharts, type Chart } from './charts';
import { CLIENT_SCRIPT } from './client-script';
import {
  byCodeUnits,
  distinct,
  generatorsOf,
  isFiniteNumber,
  ruleLabel,
  rulesOf,
  scorersOf,
  strategiesOf,
  type ReportInput,
} from './data';
import { escapeHtml as esc, jsonForScript } from './escape';
import { STYLE } from './style';

/** Data of the per-task table, embedded as JSON; arrays are aligned with `rules`, `scorers` and `strategies`. */
export interface TaskTableData {
  rules: Array<{ id: string; label: string }>;
  backends: string[];
  scorers: string[];
  /** Backend -> indices into `scorers` that score at least one of its candidates. */
  scorersByBackend: Record<string, number[]>;
  strategies: string[];
  tasks: Array<{
    i: number;
    id: string;
    ref: string;
    /** Candidates: backend, text, verdict per rule (1, 0, null = not judged), perplexity per scorer. */
    c: Array<{ b: string; t: string; ok: Array<0 | 1 | null>; p: Array<number | 'inf' | 'nan' | null> }>;
    /** Candidate index picked by each strategy, null when the strategy made no (valid) pick. */
    s: Array<number | null>;
  }>;
}

const FIRST_CANDIDATE_LABELS = {
  passed: 'passed',
  exactMatchFirstLine: 'EM first line',
  exactMatchWhole: 'EM whole',
};

/** Percent with one decimal, "—" for anything that is not a finite number. */
export function formatPercent(value: unknown): string {
  return isFiniteNumber(value) ? (value * 100).toFixed(1) : '—';
}

/** The exact HTML of a headline cell "correct / tasks". */
export function formatCount(correct: unknown, tasks: unknown): string {
  const show = (v: unknown) => (isFiniteNumber(v) ? String(v) : '—');
  return `${show(correct)} / ${show(tasks)}`;
}

function passAtKeys(systems: readonly SystemResult[]): string[] {
  const keyK = (key: string) => Number(key.replace(/^pass@/, '')) || Infinity;
  return distinct(systems.flatMap((s) => Object.keys(s.passAtK ?? {}))).sort(
    (a, b) => keyK(a) - keyK(b) || byCodeUnits(a, b),
  );
}

/** The best model alone (the metrics' `bestSingle`, else the highest rate) and the best strategies (ties kept). */
export function bestSystems(rule: RuleMetrics): { model: string | null; strategies: string[] } {
  const rate = (s: SystemResult) => (isFiniteNumber(s.rate) ? s.rate : -Infinity);
  const models = rule.systems.filter((s) => s.kind === 'model');
  let model = rule.bestSingle ?? null;
  if (model === null && models.length) model = models.reduce((a, b) => (rate(b) > rate(a) ? b : a)).name;
  const strategies = rule.systems.filter((s) => s.kind === 'strategy' && isFiniteNumber(s.rate));
  const top = Math.max(...strategies.map(rate));
  return { model, strategies: strategies.filter((s) => rate(s) === top).map((s) => s.name) };
}

function headlineTable(rule: RuleMetrics): string {
  const label = ruleLabel(rule.rule);
  const systems = Array.isArray(rule.systems) ? rule.systems : [];
  const passKeys = passAtKeys(systems);
  const picked = distinct(systems.flatMap((s) => Object.keys(s.selectionRate ?? {})));
  const hasStrategies = systems.some((s) => s.kind === 'strategy');
  const best = bestSystems({ ...rule, systems });
  const head = [
    '<th scope="col">system</th>',
    '<th scope="col">kind</th>',
    '<th scope="col" class="num">correct / tasks</th>',
    '<th scope="col" class="num">rate %</th>',
    ...passKeys.map((k) => `<th scope="col" class="num">${esc(k)} %</th>`),
    hasStrategies
      ? '<th scope="col" class="num" title="(rate − best model alone) / (oracle − best model alone)">selection efficiency %</th>'
      : '',
    ...picked.map(
      (m) =>
        `<th scope="col" class="num" title="share of tasks where the strategy kept ${esc(m)}’s candidate">picks ${esc(m)} %</th>`,
    ),
  ].join('');
  const rows = systems.map((s) => {
    const badges: string[] = [];
    const classes = [`kind-${s.kind}`];
    if (s.kind === 'model' && s.name === best.model) {
      classes.push('best-model');
      badges.push('<span class="badge">best model</span>');
    }
    if (s.kind === 'strategy' && best.strategies.includes(s.name)) {
      classes.push('best-strategy');
      badges.push('<span class="badge">best strategy</span>');
    }
    const kind = s.kind === 'oracle' ? 'oracle (ceiling)' : s.kind === 'model' ? 'model alone' : 'ensemble';
    const efficiency =
      s.kind !== 'strategy'
        ? '<td class="num muted">—</td>'
        : s.efficiency === null
          ? '<td class="num muted" title="the oracle adds nothing over the best model alone">n/a</td>'
          : `<td class="num">${formatPercent(s.efficiency)}</td>`;
    return (
      `<tr class="${classes.join(' ')}" data-system="${esc(s.name)}">` +
      `<th scope="row">${esc(s.name)} ${badges.join(' ')}</th>` +
      `<td>${kind}</td>` +
      `<td class="num">${formatCount(s.correct, s.tasks)}</td>` +
      `<td class="num">${formatPercent(s.rate)}</td>` +
      passKeys.map((k) => `<td class="num">${formatPercent(s.passAtK?.[k])}</td>`).join('') +
      (hasStrategies ? efficiency : '') +
      picked
        .map((m) => `<td class="num">${s.selectionRate ? formatPercent(s.selectionRate[m] ?? 0) : '—'}</td>`)
        .join('') +
      '</tr>'
    );
  });
  const body = rows.length
    ? rows.join('')
    : `<tr><td colspan="${4 + passKeys.length + (hasStrategies ? 1 : 0) + picked.length}" class="muted">no systems</td></tr>`;
  return (
    `<section class="rule" id="rule-${esc(rule.rule)}">` +
    `<h3>${esc(label.title)}</h3>` +
    (label.description ? `<p class="muted">${esc(label.description)}</p>` : '') +
    `<div class="scroll"><table class="headline" id="headline-${esc(rule.rule)}" data-rule="${esc(rule.rule)}">` +
    `<caption>Headline, rule <code>${esc(rule.rule)}</code></caption>` +
    `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>` +
    perplexityTable(rule) +
    '</section>'
  );
}

function perplexityTable(rule: RuleMetrics): string {
  const stats = Array.isArray(rule.perplexity) ? rule.perplexity : [];
  if (stats.length === 0) return '';
  const num = (v: unknown, digits: number) => (isFiniteNumber(v) ? v.toFixed(digits) : '—');
  const rows = stats
    .map(
      (p) =>
        `<tr><td>${esc(p.generator)}</td><td>${esc(p.scorer)}</td><td class="num">${num(p.count, 0)}</td>` +
        `<td class="num">${num(p.mean, 3)}</td><td class="num">${num(p.median, 3)}</td>` +
        `<td class="num">${num(p.auroc, 3)}</td><td class="num">${num(p.pointBiserial, 3)}</td></tr>`,
    )
    .join('');
  return (
    '<details class="ppl-stats"><summary>Perplexity as a predictor of correctness</summary>' +
    `<table class="small" id="perplexity-${esc(rule.rule)}"><thead><tr><th>generator</th><th>scorer</th>` +
    '<th class="num">candidates</th><th class="num">mean ppl</th><th class="num">median ppl</th>' +
    '<th class="num" title="P(ppl of a correct candidate &lt; ppl of an incorrect one)">AUROC</th>' +
    '<th class="num" title="point-biserial correlation of log-perplexity with correctness; negative is good">r<sub>pb</sub></th>' +
    `</tr></thead><tbody>${rows}</tbody></table></details>`
  );
}

function encodePerplexity(value: unknown): number | 'inf' | 'nan' {
  if (typeof value !== 'number' || Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return 'nan';
  return Number(value.toPrecision(6));
}

/** The per-task table's data (what the inline script renders). */
export function taskTableData(input: ReportInput): TaskTableData {
  const tasks: readonly JudgedTask[] = Array.isArray(input.tasks) ? input.tasks : [];
  const ruleIds = distinct([
    ...rulesOf(input.metrics).map((r) => r.rule as string),
    ...tasks.flatMap((t) => t.candidates.flatMap((c) => Object.keys(c.correct ?? {}))),
  ]);
  const scorers = scorersOf(tasks);
  const backends = generatorsOf(tasks);
  const strategies = strategiesOf(input.metrics, tasks);
  const scorersByBackend: Record<string, number[]> = {};
  for (const b of backends) {
    const used = new Set(
      tasks.flatMap((t) =>
        t.candidates.filter((c) => c.backend === b).flatMap((c) => Object.keys(c.perplexities ?? {})),
      ),
    );
    scorersByBackend[b] = scorers.flatMap((s, i) => (used.has(s) ? [i] : []));
  }
  return {
    rules: ruleIds.map((id) => ({ id, label: ruleLabel(id).short })),
    backends,
    scorers,
    scorersByBackend,
    strategies,
    tasks: tasks.map((t) => ({
      i: t.index,
      id: String(t.taskId),
      ref: String(t.canonicalMiddle ?? ''),
      c: t.candidates.map((c) => ({
        b: c.backend,
        t: String(c.completion ?? ''),
        ok: ruleIds.map((r) => {
          const v = (c.correct as Record<string, boolean | undefined>)?.[r];
          return v === undefined ? null : v ? 1 : 0;
        }),
        p: scorers.map((s) =>
          c.perplexities && s in c.perplexities ? encodePerplexity(c.perplexities[s]) : null,
        ),
      })),
      s: strategies.map((s) => {
        const k = t.selections?.[s];
        return Number.isInteger(k) && k >= 0 && k < t.candidates.length ? k : null;
      }),
    })),
  };
}

function taskSection(data: TaskTableData): string {
  const options = data.rules.map((r, i) => `<option value="${i}">${esc(r.label)}</option>`).join('');
  return (
    '<section id="task-section"><h2>Tasks</h2>' +
    // Not <noscript>: the script hides this itself, so the message also shows when the script is blocked or fails.
    '<p class="warn" id="task-no-script">The per-task table is built by the page’s inline script: enable JavaScript ' +
    'to see it. Its data is embedded in this file (<code>script#task-data</code>).</p>' +
    '<div class="controls" id="task-controls" hidden>' +
    '<label>filter <input type="search" id="task-filter" placeholder="task id, reference or completion text" size="36"></label>' +
    '<label title="tasks whose candidates disagree under the selected rule: one right, another wrong">' +
    '<input type="checkbox" id="only-disagreements"> only disagreements</label>' +
    '<label title="tasks where a strategy kept an incorrect candidate (without strategies: the first candidate is wrong)">' +
    '<input type="checkbox" id="only-wrong"> only wrong picks</label>' +
    (data.rules.length ? `<label>rule <select id="task-rule">${options}</select></label>` : '') +
    '<span id="task-count" role="status"></span></div>' +
    '<p class="muted">Click a column header to sort (again to reverse). Long completions expand on click; ' +
    '⏎ marks a newline.</p>' +
    '<div class="scroll tall"><table class="tasks" id="tasks"><thead></thead><tbody></tbody></table></div>' +
    '<button type="button" id="task-more" hidden>show more</button>' +
    `<script type="application/json" id="task-data">${jsonForScript(data)}</script>` +
    '</section>'
  );
}

function chartFigure(chart: Chart): string {
  return (
    `<figure class="chart" id="chart-${esc(chart.name)}">` +
    `<div class="svg">${chart.svg}</div>` +
    `<figcaption><strong>${esc(chart.title)}.</strong> ${esc(chart.caption)}</figcaption></figure>`
  );
}

function configJson(config: unknown): string {
  try {
    return JSON.stringify(config, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'null';
  } catch (error) {
    return `(not serialisable: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The Content-Security-Policy: nothing may be loaded, and only the report's own script may run. */
export function contentSecurityPolicy(script = CLIENT_SCRIPT): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`;
}

/** The complete, self-contained report.html; `charts` defaults to {@link buildCharts}(input). */
export function renderReport(input: ReportInput, charts: Chart[] = buildCharts(input)): string {
  const metrics = input.metrics;
  const rules = rulesOf(metrics);
  const notes = (input.notes ?? []).filter((n) => String(n).trim() !== '');
  const data = taskTableData(input);
  const counts = metrics.counts ?? { tasks: 0 };
  const rates: EvaluationMetrics['rates'] = metrics.rates ?? {};
  const firstCandidate = (['passed', 'exactMatchFirstLine', 'exactMatchWhole'] as const)
    .filter((k) => counts[k] !== undefined)
    .map((k) => {
      const rate = isFiniteNumber(rates[k]) ? ` (${formatPercent(rates[k])}%)` : '';
      return `${FIRST_CANDIDATE_LABELS[k]} ${esc(counts[k])}${rate}`;
    });
  const summary = [
    ['run', `<code>${esc(input.runId)}</code>`],
    ['created', esc(input.createdAt)],
    ['dataset', `<code>${esc(metrics.dataset)}</code>`],
    ['tasks judged', esc(metrics.tasks)],
    ['failed tasks', esc(metrics.failedTasks)],
    ...(firstCandidate.length
      ? [['first candidate', `${firstCandidate.join(', ')} of ${esc(counts.tasks)}`] as [string, string]]
      : []),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy())}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="@ensemble/report">',
    '<link rel="icon" href="data:,">',
    `<title>${esc(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<header><h1>${esc(input.title)}</h1>`,
    `<dl class="summary">${summary.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl></header>`,
    notes.length
      ? `<section class="notes" id="notes" role="note" aria-label="notes"><h2>Read this first</h2><ul>${notes
          .map((n) => `<li>${esc(n)}</li>`)
          .join('')}</ul></section>`
      : '',
    '<main>',
    '<section id="headline"><h2>Headline</h2>',
    '<p class="muted">Models alone, the ensemble under each selection strategy, and the oracle (a task counts when ' +
      'any candidate is correct). <span class="badge">best model</span> and <span class="badge">best strategy</span> ' +
      'mark the winners of each table.</p>',
    rules.length
      ? rules.map(headlineTable).join('')
      : '<p class="muted">no data: the metrics have no rules</p>',
    '</section>',
    `<section id="charts"><h2>Charts</h2><div class="charts">${charts.map(chartFigure).join('')}</div></section>`,
    taskSection(data),
    `<section id="config"><h2>Configuration</h2><details><summary>run configuration (JSON)</summary><pre>${esc(
      configJson(input.config),
    )}</pre></details></section>`,
    '</main>',
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * The report's charts, built from the run's data with the primitives of ./svg. Each chart is a standalone SVG
 * document; empty or unusable data gives a "no data" chart rather than an error.
 */
import type { CalibrationCurve, JudgedTask, RuleMetrics } from '@ensemble/evaluation';
import {
  extent,
  generatorsOf,
  isFiniteNumber,
  logPerplexity,
  quantile,
  ruleLabel,
  rulesOf,
  scorersOf,
  strategiesOf,
  type ReportInput,
} from './data';
import {
  approxTextWidth,
  axisBottom,
  axisLeft,
  circle,
  color,
  CORRECT_COLOR,
  el,
  fitLabel,
  formatPow10,
  GRID,
  INK,
  legend,
  line,
  linearScale,
  linearTicks,
  logTicks,
  MUTED,
  n,
  niceStep,
  noDataSvg,
  polyline,
  rect,
  svgDocument,
  text,
  titles,
  WRONG_COLOR,
} from './svg';

export interface Chart {
  /** File name stem of the PNG copy (charts/<name>.png) and base of the SVG's element ids. */
  name: string;
  title: string;
  /** One sentence on how to read it. */
  caption: string;
  svg: string;
}

/** Most points drawn per strip; more are thinned deterministically (the boxes use all of them). */
export const MAX_POINTS_PER_STRIP = 300;

const pct = (v: number) => `${n(v * 100)}%`;

/** "scorer/mode" -> ["scorer", "mode"] (mode empty when there is no slash). */
function splitScorer(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash < 0 ? [key, ''] : [key.slice(0, slash), key.slice(slash + 1)];
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** All charts of a report, in display order. */
export function buildCharts(input: ReportInput): Chart[] {
  const tasks = Array.isArray(input.tasks) ? input.tasks : [];
  const rules = rulesOf(input.metrics);
  const charts: Chart[] = [];
  const ruleNames = rules.length ? rules.map((r) => r.rule as string) : [];
  for (const rule of ruleNames) {
    charts.push(
      perplexityVsCorrectnessChart(
        tasks,
        rule,
        rules.find((r) => r.rule === rule),
      ),
    );
  }
  if (ruleNames.length === 0) charts.push(perplexityVsCorrectnessChart(tasks, null));
  charts.push(selectionRateChart(input));
  for (const r of rules) charts.push(calibrationChart(r.rule, r.calibration ?? []));
  if (rules.length === 0) charts.push(calibrationChart(null, []));
  charts.push(perplexityHistogramChart(tasks));
  return charts;
}

interface Strip {
  values: number[];
  infinite: number;
  invalid: number;
}

function emptyStrip(): Strip {
  return { values: [], infinite: 0, invalid: 0 };
}

function addTo(strip: Strip, ppl: unknown): void {
  const lp = logPerplexity(ppl);
  if (lp.kind === 'finite') strip.values.push(lp.log10);
  else if (lp.kind === 'infinite') strip.infinite++;
  else strip.invalid++;
}

/** Evenly spaced subset (by position) of at most `max` values. */
function thin<T>(values: readonly T[], max: number): T[] {
  if (values.length <= max) return [...values];
  return Array.from({ length: max }, (_, i) => values[Math.floor((i * values.length) / max)]);
}

/** Deterministic jitter in [-0.5, 0.5): the golden-ratio sequence. */
function jitter(i: number): number {
  return ((i * 0.6180339887498949) % 1) - 0.5;
}

/**
 * (a) Log-perplexity of correct against incorrect candidates, one pair of strips per (generator, scorer), with
 * quartile boxes and Tukey whiskers; infinite perplexities sit in a band above the plot.
 */
export function perplexityVsCorrectnessChart(
  tasks: readonly JudgedTask[],
  rule: string | null,
  ruleMetrics?: RuleMetrics,
): Chart {
  const name = `perplexity-vs-correctness${rule ? '-' + safeName(rule) : ''}`;
  const label = rule ? ruleLabel(rule).short : '';
  const title = `Perplexity of correct vs incorrect candidates${rule ? ` (${label})` : ''}`;
  const caption =
    'Each dot is one candidate, placed at its perplexity (log scale) under one scorer; lower is more confident. ' +
    'A useful scorer puts the correct (green) candidates below the incorrect (orange) ones.';
  const groups: Array<{ generator: string; scorer: string; correct: Strip; wrong: Strip }> = [];
  if (rule) {
    for (const generator of generatorsOf(tasks)) {
      for (const scorer of scorersOf(tasks)) {
        const correct = emptyStrip();
        const wrong = emptyStrip();
        for (const t of tasks) {
          for (const c of t.candidates) {
            if (c.backend !== generator || !(scorer in (c.perplexities ?? {}))) continue;
            const ok = (c.correct as Record<string, boolean | undefined>)[rule];
            if (ok === undefined) continue;
            addTo(ok ? correct : wrong, c.perplexities[scorer]);
          }
        }
        const total = (s: Strip) => s.values.length + s.infinite + s.invalid;
        if (total(correct) + total(wrong) > 0) groups.push({ generator, scorer, correct, wrong });
      }
    }
  }
  const finite = groups.flatMap((g) => [...g.correct.values, ...g.wrong.values]);
  const anyInfinite = groups.some((g) => g.correct.infinite + g.wrong.infinite > 0);
  if (finite.length === 0 && !anyInfinite) {
    return {
      name,
      title,
      caption,
      svg: noDataSvg(
        name,
        title,
        rule ? 'no candidate has both a perplexity and a verdict' : 'no correctness rule',
      ),
    };
  }

  const groupWidth = 130;
  const left = 70;
  const top = 56;
  const plotTop = top + 22; // the band above holds infinite perplexities
  const plotBottom = plotTop + 280;
  const width = Math.max(520, left + groups.length * groupWidth + 20);
  const height = plotBottom + 100;
  let [lo, hi] = finite.length ? extent(finite) : [0, 1];
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  const y = linearScale(lo - pad, hi + pad, plotBottom, plotTop);
  const ticks = logTicks(lo - pad, hi + pad);
  const parts: string[] = [];
  parts.push(
    axisLeft(y, ticks, left, plotBottom, plotTop, {
      label: 'perplexity (log scale)',
      format: formatPow10,
      gridTo: width - 20,
    }),
  );
  if (anyInfinite) {
    parts.push(line(left, top + 8, width - 20, top + 8, GRID, 1, '3 3'));
    parts.push(text(left - 6, top + 12, '∞', { anchor: 'end', size: 12 }));
  }
  let thinned = false;
  let invalidTotal = 0;
  groups.forEach((g, gi) => {
    const gx = left + gi * groupWidth;
    if (gi > 0) parts.push(line(gx, plotTop, gx, plotBottom + 86, GRID));
    const strips: Array<[Strip, string, string]> = [
      [g.correct, 'correct', CORRECT_COLOR],
      [g.wrong, 'wrong', WRONG_COLOR],
    ];
    strips.forEach(([s, what, fill], si) => {
      const cx = gx + 32 + si * 56;
      invalidTotal += s.invalid;
      const shown = thin(s.values, MAX_POINTS_PER_STRIP);
      if (shown.length < s.values.length) thinned = true;
      shown.forEach((v, i) => parts.push(circle(cx + jitter(i) * 30, y(v), 2.2, fill, 0.45)));
      for (let i = 0; i < Math.min(s.infinite, MAX_POINTS_PER_STRIP); i++) {
        parts.push(circle(cx + jitter(i) * 30, top + 8, 2.2, fill, 0.45));
      }
      if (s.values.length) {
        const sorted = [...s.values].sort((a, b) => a - b);
        const [q1, med, q3] = [quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75)];
        const iqr = q3 - q1;
        const wLo = sorted.find((v) => v >= q1 - 1.5 * iqr) ?? q1;
        const wHi = [...sorted].reverse().find((v) => v <= q3 + 1.5 * iqr) ?? q3;
        const tip =
          `${g.generator} candidates scored by ${g.scorer}, ${what}: n=${s.values.length}, ` +
          `median ${formatPow10(med)}, quartiles ${formatPow10(q1)}–${formatPow10(q3)}`;
        parts.push(
          el(
            'g',
            { class: 'box' },
            line(cx, y(wLo), cx, y(q1), INK) +
              line(cx, y(q3), cx, y(wHi), INK) +
              line(cx - 6, y(wLo), cx + 6, y(wLo), INK) +
              line(cx - 6, y(wHi), cx + 6, y(wHi), INK) +
              rect(cx - 14, y(q3), 28, y(q1) - y(q3), 'none', { stroke: INK }) +
              line(cx - 14, y(med), cx + 14, y(med), INK, 2.5),
            tip,
          ),
        );
      }
      const count = s.values.length + s.infinite;
      parts.push(text(cx, plotBottom + 14, what, { anchor: 'middle', size: 10, fill }));
      parts.push(text(cx, plotBottom + 26, `n=${count}`, { anchor: 'middle', size: 9, fill: MUTED }));
    });
    const mid = gx + groupWidth / 2 + 4;
    parts.push(
      text(mid, plotBottom + 44, fitLabel(g.generator, 11, groupWidth - 8), {
        anchor: 'middle',
        weight: 'bold',
      }),
    );
    const [scorerName, mode] = splitScorer(g.scorer);
    const small = { anchor: 'middle', size: 10 } as const;
    parts.push(text(mid, plotBottom + 57, fitLabel(`by ${scorerName}`, 10, groupWidth - 8), small));
    if (mode) parts.push(text(mid, plotBottom + 69, fitLabel(mode, 10, groupWidth - 8), small));
    const stats = ruleMetrics?.perplexity?.find((p) => p.generator === g.generator && p.scorer === g.scorer);
    if (stats && isFiniteNumber(stats.auroc)) {
      parts.push(
        text(mid, plotBottom + 83, `AUROC ${stats.auroc.toFixed(2)}`, {
          anchor: 'middle',
          size: 10,
          fill: MUTED,
        }),
      );
    }
  });
  const notes = [
    thinned ? `at most ${MAX_POINTS_PER_STRIP} dots drawn per strip (boxes use all)` : '',
    invalidTotal ? `${invalidTotal} NaN/invalid perplexities omitted` : '',
  ].filter(Boolean);
  const subtitle = [`generator / scorer; boxes: quartiles, whiskers 1.5 IQR`, ...notes].join('; ');
  return {
    name,
    title,
    caption,
    svg: svgDocument({
      id: name,
      width,
      height,
      title,
      description: `${caption} ${subtitle}.`,
      body: titles(title, subtitle) + parts.join(''),
    }),
  };
}

/** (b) For each strategy, the share of tasks on which it picked each model's candidate, as stacked bars. */
export function selectionRateChart(input: ReportInput): Chart {
  const name = 'selection-rate';
  const title = 'Selection rate per strategy';
  const caption = 'For each strategy, the share of tasks on which it kept each model’s candidate.';
  const systems =
    rulesOf(input.metrics)
      .map((r) => r.systems.filter((s) => s.kind === 'strategy' && s.selectionRate))
      .find((s) => s.length > 0) ?? [];
  const order = strategiesOf(input.metrics, []);
  const rows = [...systems].sort(
    (a, b) =>
      order.indexOf(a.name.replace(/^ensemble:/, '')) - order.indexOf(b.name.replace(/^ensemble:/, '')),
  );
  const models = [...new Set(rows.flatMap((s) => Object.keys(s.selectionRate ?? {})))];
  if (rows.length === 0 || models.length === 0) {
    return { name, title, caption, svg: noDataSvg(name, title, 'no strategy reported a selection rate') };
  }
  const labelWidth = Math.min(200, Math.max(...rows.map((r) => approxTextWidth(r.name, 11))) + 16);
  const left = 12 + labelWidth;
  const plotWidth = 440;
  const top = 56;
  const barHeight = 22;
  const gap = 10;
  const plotBottom = top + rows.length * (barHeight + gap);
  const width = left + plotWidth + 30;
  const x = linearScale(0, 1, left, left + plotWidth);
  const parts: string[] = [
    axisBottom(x, linearTicks(0, 1, 5), plotBottom, left, left + plotWidth, {
      format: pct,
      gridTo: top - 4,
      label: 'share of tasks',
    }),
  ];
  rows.forEach((s, i) => {
    const yTop = top + i * (barHeight + gap);
    parts.push(
      text(left - 8, yTop + barHeight / 2 + 4, fitLabel(s.name, 11, labelWidth - 8), {
        anchor: 'end',
        size: 11,
      }),
    );
    let acc = 0;
    models.forEach((m, mi) => {
      const raw = s.selectionRate?.[m];
      const rate = isFiniteNumber(raw) ? Math.max(0, Math.min(1, raw)) : 0;
      const x0 = x(Math.min(1, acc));
      const x1 = x(Math.min(1, acc + rate));
      acc += rate;
      if (x1 - x0 <= 0) return;
      parts.push(rect(x0, yTop, x1 - x0, barHeight, color(mi), { tooltip: `${s.name}: ${m} ${pct(rate)}` }));
      if (x1 - x0 > 34) {
        parts.push(
          text((x0 + x1) / 2, yTop + barHeight / 2 + 4, pct(rate), {
            anchor: 'middle',
            size: 10,
            fill: '#ffffff',
          }),
        );
      }
    });
  });
  const leg = legend(
    models.map((m, mi) => ({ label: m, color: color(mi) })),
    left,
    plotBottom + 52,
    plotWidth,
  );
  parts.push(leg.svg);
  return {
    name,
    title,
    caption,
    svg: svgDocument({
      id: name,
      width,
      height: plotBottom + 52 + leg.height + 6,
      title,
      description: caption,
      body: titles(title, 'stacked bars, one segment per model') + parts.join(''),
    }),
  };
}

/** (c) Reliability curves: observed rate of correct candidates against the mean predicted probability per bin. */
export function calibrationChart(rule: string | null, curves: readonly CalibrationCurve[]): Chart {
  const name = `calibration${rule ? '-' + safeName(rule) : ''}`;
  const title = `Calibration${rule ? ` (${ruleLabel(rule).short})` : ''}`;
  const caption =
    'Candidates binned by predicted probability of being correct against the observed rate; a calibrated ' +
    'predictor follows the dashed diagonal. Dot area grows with the bin’s candidate count.';
  const usable = curves
    .map((c) => ({
      predictor: c.predictor,
      bins: (c.bins ?? []).filter(
        (b) => b.count > 0 && isFiniteNumber(b.meanPredicted) && isFiniteNumber(b.observed),
      ),
    }))
    .filter((c) => c.bins.length > 0);
  if (usable.length === 0) {
    return { name, title, caption, svg: noDataSvg(name, title, 'no calibration bins with candidates') };
  }
  const left = 70;
  const top = 56;
  const size = 300;
  const x = linearScale(0, 1, left, left + size);
  const y = linearScale(0, 1, top + size, top);
  const ticks = linearTicks(0, 1, 5);
  const maxCount = extent(usable.flatMap((c) => c.bins.map((b) => b.count)))[1];
  const parts: string[] = [
    axisLeft(y, ticks, left, top + size, top, { label: 'observed rate correct', gridTo: left + size }),
    axisBottom(x, ticks, top + size, left, left + size, { label: 'mean predicted probability', gridTo: top }),
    line(x(0), y(0), x(1), y(1), MUTED, 1, '5 4'),
  ];
  usable.forEach((c, ci) => {
    const stroke = color(ci);
    const clamp = (v: number) => Math.max(0, Math.min(1, v));
    parts.push(
      polyline(
        c.bins.map((b) => [x(clamp(b.meanPredicted)), y(clamp(b.observed))]),
        stroke,
      ),
    );
    for (const b of c.bins) {
      parts.push(
        circle(
          x(clamp(b.meanPredicted)),
          y(clamp(b.observed)),
          2.5 + 4.5 * Math.sqrt(b.count / maxCount),
          stroke,
          0.85,
          `${c.predictor}: ${b.count} candidates predicted ${pct(b.meanPredicted)} (bin ${n(b.lower)}–${n(b.upper)}), ` +
            `observed ${pct(b.observed)}`,
        ),
      );
    }
  });
  const leg = legend(
    usable.map((c, ci) => ({ label: c.predictor, color: color(ci), shape: 'line' as const })),
    left + size + 24,
    top + 6,
    1,
  );
  parts.push(leg.svg);
  const width = left + size + 24 + Math.max(100, ...usable.map((c) => approxTextWidth(c.predictor, 11) + 40));
  return {
    name,
    title,
    caption,
    svg: svgDocument({
      id: name,
      width,
      height: Math.max(top + size + 46, top + leg.height + 12),
      title,
      description: caption,
      body: titles(title, 'reliability curve per predictor; diagonal = perfect calibration') + parts.join(''),
    }),
  };
}

/** (d) Per generator (row) and scorer (column): histogram of the candidates' perplexities in log-scale bins. */
export function perplexityHistogramChart(tasks: readonly JudgedTask[]): Chart {
  const name = 'perplexity-histograms';
  const title = 'Perplexity histograms per model';
  const caption =
    'Distribution of candidate perplexities (log-scale bins shared by all panels): one row per generating ' +
    'model, one column per scorer.';
  const generators = generatorsOf(tasks);
  const scorers = scorersOf(tasks);
  const panels = new Map<string, Strip>();
  for (const t of tasks) {
    for (const c of t.candidates) {
      for (const [scorer, ppl] of Object.entries(c.perplexities ?? {})) {
        const key = `${c.backend}\u0000${scorer}`;
        const strip = panels.get(key) ?? emptyStrip();
        addTo(strip, ppl);
        panels.set(key, strip);
      }
    }
  }
  const finite = [...panels.values()].flatMap((s) => s.values);
  if (finite.length === 0) {
    return { name, title, caption, svg: noDataSvg(name, title, 'no finite perplexity') };
  }
  let [lo, hi] = extent(finite);
  if (hi - lo < 1e-9) {
    lo -= 0.25;
    hi += 0.25;
  }
  const step = niceStep(hi - lo, 20);
  const start = Math.floor(lo / step) * step;
  const binCount = Math.max(1, Math.ceil((hi - start) / step + 1e-9));
  const end = start + binCount * step;
  const binOf = (v: number) => Math.min(binCount - 1, Math.max(0, Math.floor((v - start) / step + 1e-9)));

  const panelWidth = 240;
  const panelHeight = 186;
  const top = 50;
  const width = 20 + scorers.length * panelWidth;
  const height = top + generators.length * panelHeight + 10;
  const parts: string[] = [];
  generators.forEach((generator, gi) => {
    scorers.forEach((scorer, si) => {
      const px = 20 + si * panelWidth;
      const py = top + gi * panelHeight;
      const plotLeft = px + 40;
      const plotRight = px + panelWidth - 14;
      const plotTop = py + 50;
      const plotBottom = py + panelHeight - 36;
      const strip = panels.get(`${generator}\u0000${scorer}`);
      parts.push(
        text(px + 4, py + 14, fitLabel(`${generator} candidates`, 11, panelWidth - 10), { weight: 'bold' }),
      );
      parts.push(text(px + 4, py + 27, fitLabel(`scored by ${scorer}`, 10, panelWidth - 10), { size: 10 }));
      if (!strip || strip.values.length === 0) {
        const reason = strip ? `${strip.infinite} infinite, ${strip.invalid} NaN` : 'not scored';
        parts.push(
          text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2, `no data (${reason})`, {
            anchor: 'middle',
            fill: MUTED,
          }),
        );
        return;
      }
      const counts = new Array<number>(binCount).fill(0);
      for (const v of strip.values) counts[binOf(v)]++;
      const maxCount = Math.max(...counts);
      const x = linearScale(start, end, plotLeft, plotRight);
      const y = linearScale(0, maxCount, plotBottom, plotTop);
      const extra = [
        `n=${strip.values.length}`,
        strip.infinite ? `+${strip.infinite} ∞` : '',
        strip.invalid ? `${strip.invalid} NaN` : '',
      ].filter(Boolean);
      parts.push(text(px + 4, py + 40, extra.join(' · '), { size: 10, fill: MUTED }));
      parts.push(
        axisLeft(
          y,
          linearTicks(0, maxCount, 3).filter((t) => Number.isInteger(t)),
          plotLeft,
          plotBottom,
          plotTop,
          { gridTo: plotRight },
        ),
      );
      parts.push(
        axisBottom(x, logTicks(start, end, 5), plotBottom, plotLeft, plotRight, { format: formatPow10 }),
      );
      counts.forEach((count, b) => {
        if (count === 0) return;
        const x0 = x(start + b * step);
        const x1 = x(start + (b + 1) * step);
        parts.push(
          rect(x0 + 0.5, y(count), x1 - x0 - 1, plotBottom - y(count), color(gi), {
            tooltip: `${generator} by ${scorer}: ${count} candidates with perplexity ${formatPow10(start + b * step)}–${formatPow10(start + (b + 1) * step)}`,
          }),
        );
      });
    });
  });
  return {
    name,
    title,
    caption,
    svg: svgDocument({
      id: name,
      width: Math.max(width, 420),
      height,
      title,
      description: caption,
      body: titles(title, 'x: perplexity (log-scale bins); y: candidates per bin') + parts.join(''),
    }),
  };
}

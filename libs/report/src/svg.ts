/**
 * A small hand-written SVG toolkit: scales, ticks, axes, marks, legend, titles. Every function returns markup as a
 * string; nothing is random or time-dependent, so the same data gives byte-identical charts. Only presentation
 * attributes are used (no CSS) so that resvg renders the same picture the browser shows.
 */
import { escapeXml } from './escape';

export const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';
export const INK = '#222222';
export const MUTED = '#666666';
export const GRID = '#e3e3e3';
/** Okabe-Ito, readable by colour-blind readers. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];
export const CORRECT_COLOR = '#009E73';
export const WRONG_COLOR = '#D55E00';

export function color(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A coordinate or length: at most two decimals, no "-0", never NaN in the output. */
export function n(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

type Attrs = Record<string, string | number | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : escapeXml(v)}"`)
    .join('');
}

/** An element; `children` is markup (already escaped), `tooltip` becomes an accessible `<title>` child. */
export function el(name: string, a: Attrs, children = '', tooltip?: string): string {
  const inner = (tooltip !== undefined ? `<title>${escapeXml(tooltip)}</title>` : '') + children;
  return inner === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${inner}</${name}>`;
}

export interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  rotate?: number;
  baseline?: 'auto' | 'middle' | 'hanging';
}

export function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  return el(
    'text',
    {
      x,
      y,
      'font-size': o.size ?? 11,
      'text-anchor': o.anchor ?? 'start',
      'font-weight': o.weight === 'bold' ? 'bold' : undefined,
      'dominant-baseline': o.baseline && o.baseline !== 'auto' ? o.baseline : undefined,
      fill: o.fill ?? INK,
      transform: o.rotate ? `rotate(${n(o.rotate)} ${n(x)} ${n(y)})` : undefined,
    },
    escapeXml(content),
  );
}

export function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke = INK,
  width = 1,
  dash?: string,
): string {
  return el('line', { x1, y1, x2, y2, stroke, 'stroke-width': width, 'stroke-dasharray': dash });
}

export function rect(
  x: number,
  y: number,
  w: number,
  h: number,
  fill: string,
  extra: { stroke?: string; opacity?: number; tooltip?: string } = {},
): string {
  return el(
    'rect',
    {
      x,
      y,
      width: Math.max(0, w),
      height: Math.max(0, h),
      fill,
      stroke: extra.stroke,
      'fill-opacity': extra.opacity,
    },
    '',
    extra.tooltip,
  );
}

export function circle(
  cx: number,
  cy: number,
  r: number,
  fill: string,
  opacity?: number,
  tooltip?: string,
): string {
  return el('circle', { cx, cy, r, fill, 'fill-opacity': opacity }, '', tooltip);
}

/** A polyline through the points (non-finite points are skipped). */
export function polyline(
  points: Array<[number, number]>,
  stroke: string,
  width = 1.5,
  dash?: string,
): string {
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (finite.length < 2) return '';
  return el('polyline', {
    points: finite.map(([x, y]) => `${n(x)},${n(y)}`).join(' '),
    fill: 'none',
    stroke,
    'stroke-width': width,
    'stroke-dasharray': dash,
  });
}

export type Scale = (value: number) => number;

/** Linear map of [d0, d1] onto [r0, r1]; a degenerate domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  if (!(d1 - d0)) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** "Nice" step (1, 2, 2.5 or 5 times a power of ten) for about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * power;
}

/** Multiples of a nice step inside [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) {
    ticks.push(Math.round(k * step * 1e9) / 1e9 + 0); // + 0 turns -0 into 0
  }
  return ticks;
}

/**
 * Ticks of a log10 axis, as log10 values: 1-2-5 multiples of powers of ten when the range is short, powers of ten
 * (thinned to every 2nd, 3rd... power) when it is long.
 */
export function logTicks(minLog: number, maxLog: number, maxCount = 8): number[] {
  if (!Number.isFinite(minLog) || !Number.isFinite(maxLog)) return [];
  const lo = Math.floor(minLog);
  const hi = Math.ceil(maxLog);
  const inside = (v: number) => v >= minLog - 1e-9 && v <= maxLog + 1e-9;
  const fine: number[] = [];
  for (let p = lo; p <= hi; p++) {
    for (const m of [1, 2, 5]) {
      const v = p + Math.log10(m);
      if (inside(v)) fine.push(v);
    }
  }
  if (fine.length >= 2 && fine.length <= maxCount) return fine;
  const powers: number[] = [];
  const every = Math.max(1, Math.ceil((hi - lo + 1) / maxCount));
  for (let p = Math.ceil(minLog - 1e-9); p <= maxLog + 1e-9; p++) if (p % every === 0) powers.push(p);
  if (powers.length >= 2) return powers;
  // A range shorter than one 1-2-5 step: use linear ticks of the log value.
  return linearTicks(minLog, maxLog, 4);
}

/** Label of 10^logValue for a perplexity axis: 1, 20, 500, 1e4, 2e-3... */
export function formatPow10(logValue: number): string {
  const v = Math.pow(10, logValue);
  if (v >= 1e-2 && v < 1e4) return String(Number(v.toPrecision(3)));
  return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
}

export function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}

export interface AxisOptions {
  /** Axis title. */
  label?: string;
  format?: (value: number) => string;
  /** Grid lines across the plot up to this coordinate (x for a left axis, y for a bottom axis). */
  gridTo?: number;
}

/** A vertical axis at `x` from `y0` (bottom) to `y1` (top). */
export function axisLeft(
  scale: Scale,
  ticks: number[],
  x: number,
  y0: number,
  y1: number,
  o: AxisOptions = {},
): string {
  const format = o.format ?? formatTick;
  const parts = [line(x, y0, x, y1, INK)];
  for (const t of ticks) {
    const y = scale(t);
    if (o.gridTo !== undefined) parts.push(line(x, y, o.gridTo, y, GRID));
    parts.push(line(x - 4, y, x, y, INK), text(x - 6, y + 3.5, format(t), { anchor: 'end', size: 10 }));
  }
  if (o.label) parts.push(text(x - 44, (y0 + y1) / 2, o.label, { anchor: 'middle', rotate: -90, size: 11 }));
  return el('g', { class: 'axis axis-left' }, parts.join(''));
}

/** A horizontal axis at `y` from `x0` to `x1`. */
export function axisBottom(
  scale: Scale,
  ticks: number[],
  y: number,
  x0: number,
  x1: number,
  o: AxisOptions = {},
): string {
  const format = o.format ?? formatTick;
  const parts = [line(x0, y, x1, y, INK)];
  for (const t of ticks) {
    const x = scale(t);
    if (o.gridTo !== undefined) parts.push(line(x, y, x, o.gridTo, GRID));
    parts.push(line(x, y, x, y + 4, INK), text(x, y + 15, format(t), { anchor: 'middle', size: 10 }));
  }
  if (o.label) parts.push(text((x0 + x1) / 2, y + 32, o.label, { anchor: 'middle', size: 11 }));
  return el('g', { class: 'axis axis-bottom' }, parts.join(''));
}

export interface LegendItem {
  label: string;
  color: string;
  shape?: 'square' | 'circle' | 'line';
}

/** A legend laid out left to right from (x, y), wrapping at `maxWidth`; returns markup and the height used. */
export function legend(
  items: LegendItem[],
  x: number,
  y: number,
  maxWidth: number,
): { svg: string; height: number } {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const w = 22 + approxTextWidth(item.label, 11) + 14;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += 18;
    }
    const shape = item.shape ?? 'square';
    if (shape === 'circle') parts.push(circle(cx + 6, cy, 5, item.color));
    else if (shape === 'line') parts.push(line(cx, cy, cx + 14, cy, item.color, 2.5));
    else parts.push(rect(cx, cy - 6, 12, 12, item.color));
    parts.push(text(cx + 20, cy + 4, item.label, { size: 11 }));
    cx += w;
  }
  return { svg: el('g', { class: 'legend' }, parts.join('')), height: items.length ? cy - y + 18 : 0 };
}

/** Rough width of a DejaVu Sans string (mean advance about 0.6 em). */
export function approxTextWidth(s: string, size: number): number {
  return Math.ceil(s.length * size * 0.6);
}

/** Truncates a label to about `maxWidth` pixels. */
export function fitLabel(s: string, size: number, maxWidth: number): string {
  const max = Math.max(1, Math.floor(maxWidth / (size * 0.6)));
  return s.length <= max ? s : s.slice(0, Math.max(1, max - 1)) + '…';
}

/** Chart title and optional subtitle at the top left. */
export function titles(title: string, subtitle?: string): string {
  return (
    text(12, 20, title, { size: 14, weight: 'bold' }) +
    (subtitle ? text(12, 37, subtitle, { size: 11, fill: MUTED }) : '')
  );
}

export interface SvgDocument {
  /** Unique among the charts of one report: used for element ids. */
  id: string;
  width: number;
  height: number;
  /** Accessible name (the `<title>` of the whole chart). */
  title: string;
  /** Accessible description. */
  description?: string;
  body: string;
}

/** A standalone SVG document (valid XML, renderable by resvg and inline in HTML). */
export function svgDocument(d: SvgDocument): string {
  const titleId = `${d.id}-title`;
  const descId = `${d.id}-desc`;
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      id: d.id,
      width: d.width,
      height: d.height,
      viewBox: `0 0 ${n(d.width)} ${n(d.height)}`,
      role: 'img',
      'aria-labelledby': d.description ? `${titleId} ${descId}` : titleId,
      'font-family': FONT_FAMILY,
    },
    el('title', { id: titleId }, escapeXml(d.title)) +
      (d.description ? el('desc', { id: descId }, escapeXml(d.description)) : '') +
      rect(0, 0, d.width, d.height, '#ffffff') +
      d.body,
  );
}

/** A chart that has nothing to show: its title and a centred "no data" message. */
export function noDataSvg(id: string, title: string, reason: string, width = 480, height = 160): string {
  return svgDocument({
    id,
    width,
    height,
    title: `${title}: no data`,
    description: reason,
    body:
      titles(title) +
      text(width / 2, height / 2 + 4, 'no data', {
        anchor: 'middle',
        size: 16,
        fill: MUTED,
        weight: 'bold',
      }) +
      text(width / 2, height / 2 + 24, reason, { anchor: 'middle', size: 11, fill: MUTED }),
  });
}

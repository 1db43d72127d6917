import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCharts } from './charts';
import type { ReportInput } from './data';
import { DEFAULT_FONT_DIR, findFonts, svgToPng } from './png';
import { renderReport } from './report';

export interface WriteReportOptions {
  /** Where the DejaVu .ttf files are; default /usr/share/fonts/truetype/dejavu. */
  fontDir?: string;
  /** Write charts/<name>.png (default true). */
  pngs?: boolean;
  /** PNG pixels per SVG unit (default 2). */
  pngScale?: number;
}

export interface WrittenReport {
  /** Path of report.html. */
  html: string;
  /** Paths of the chart PNGs, in display order. */
  pngs: string[];
  /** Problems that did not stop the report, e.g. missing fonts (reported once, not per chart). */
  warnings: string[];
}

/** Writes `dir/report.html` and `dir/charts/<chart>.png` (the directories are created). */
export async function writeReport(
  dir: string,
  input: ReportInput,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const charts = buildCharts(input);
  const html = join(dir, 'report.html');
  await mkdir(dir, { recursive: true });
  await writeFile(html, renderReport(input, charts), 'utf8');
  const warnings: string[] = [];
  const pngs: string[] = [];
  if (options.pngs !== false) {
    const fonts = findFonts(options.fontDir ?? DEFAULT_FONT_DIR);
    if (fonts.warning) warnings.push(fonts.warning);
    const chartDir = join(dir, 'charts');
    await mkdir(chartDir, { recursive: true });
    for (const chart of charts) {
      const path = join(chartDir, `${chart.name}.png`);
      await writeFile(path, svgToPng(chart.svg, fonts, options.pngScale ?? 2));
      pngs.push(path);
    }
  }
  return { html, pngs, warnings };
}

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCharts } from './charts';
import { DEFAULT_FONT_DIR, findFonts, renderSvg } from './png';
import { renderReport } from './report';
import { svgDocument, text } from './svg';
import { syntheticInput } from './testing/fixture';
import { writeReport } from './write-report';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk (which must come first). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.subarray(png.length - 8, png.length - 4).toString('latin1')).toBe('IEND');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pixels that are not (nearly) white. */
function inked(pixels: Buffer): number {
  let count = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 600) count++;
  return count;
}

const svgSize = (svg: string) => {
  const m = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
  return { width: Number(m[1]), height: Number(m[2]) };
};

describe('writeReport', () => {
  let dir: string;
  beforeAll(async () => {
    if (!findFonts().files.length) {
      throw new Error(
        `no DejaVu fonts in ${DEFAULT_FONT_DIR}: apt-get install fonts-dejavu-core (CI installs it)`,
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'report-spec-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes report.html and one valid PNG per chart, at twice the SVG size', async () => {
    const input = syntheticInput(30);
    const out = join(dir, 'run-a', 'nested');
    const written = await writeReport(out, input);
    expect(written.warnings).toEqual([]);
    expect(written.html).toBe(join(out, 'report.html'));
    expect(await readFile(written.html, 'utf8')).toBe(renderReport(input));
    const charts = buildCharts(input);
    expect(written.pngs).toEqual(charts.map((c) => join(out, 'charts', `${c.name}.png`)));
    for (const [i, path] of written.pngs.entries()) {
      const png = await readFile(path);
      const size = pngSize(png);
      const svg = svgSize(charts[i].svg);
      expect(size).toEqual({ width: Math.round(svg.width * 2), height: Math.round(svg.height * 2) });
      expect((await stat(path)).size).toBeGreaterThan(10_000);
    }
  });

  it('draws text with the DejaVu fonts and none without them', () => {
    const svg = svgDocument({
      id: 't',
      width: 200,
      height: 40,
      title: 't',
      body: text(10, 25, 'Hello, perplexity'),
    });
    const withFonts = renderSvg(svg, findFonts(), 1);
    const without = renderSvg(svg, { files: [] }, 1);
    expect(inked(withFonts.pixels)).toBeGreaterThan(200);
    expect(inked(without.pixels)).toBe(0);
  });

  it('puts text pixels in the chart PNGs', () => {
    for (const chart of buildCharts(syntheticInput(20))) {
      // `pixels` copies the image on every access: read it once.
      const withFonts = renderSvg(chart.svg, findFonts(), 1).pixels;
      const without = renderSvg(chart.svg, { files: [] }, 1).pixels;
      expect(withFonts.length).toBe(without.length);
      let differing = 0;
      for (let i = 0; i < withFonts.length; i += 4) {
        if (withFonts.readUInt32BE(i) !== without.readUInt32BE(i)) differing++;
      }
      expect({ chart: chart.name, enoughTextPixels: differing > 1000 }).toEqual({
        chart: chart.name,
        enoughTextPixels: true,
      });
    }
  });

  it('still writes the PNGs when the fonts are missing, and warns once', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-fonts-'));
    try {
      const written = await writeReport(join(dir, 'run-b'), syntheticInput(10), { fontDir: empty });
      expect(written.warnings).toHaveLength(1);
      expect(written.warnings[0]).toContain(empty);
      expect(written.warnings[0]).toContain('fonts-dejavu-core');
      expect(written.pngs.length).toBeGreaterThan(1);
      for (const path of written.pngs) pngSize(await readFile(path));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('handles a run without tasks and can skip the PNGs', async () => {
    const input = syntheticInput(0);
    input.metrics.rules = [];
    const written = await writeReport(join(dir, 'run-c'), input);
    expect(written.pngs).toHaveLength(4);
    for (const path of written.pngs) pngSize(await readFile(path));
    const htmlOnly = await writeReport(join(dir, 'run-d'), input, { pngs: false });
    expect(htmlOnly.pngs).toEqual([]);
    expect(existsSync(join(dir, 'run-d', 'charts'))).toBe(false);
    expect(existsSync(join(dir, 'run-d', 'report.html'))).toBe(true);
  });
});

/**
 * PNG copies of the SVG charts with resvg. resvg draws no text without fonts and, with `loadSystemFonts: false`,
 * knows none: the DejaVu files are loaded explicitly so that the PNGs match the HTML on any machine that has them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg, type RenderedImage } from '@resvg/resvg-js';

/** Debian/Ubuntu package fonts-dejavu-core. */
export const DEFAULT_FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'];

export interface PngOptions {
  /** Directory holding the DejaVu .ttf files; default {@link DEFAULT_FONT_DIR}. */
  fontDir?: string;
  /** Pixels per SVG unit; default 2 (sharp on high-density screens and in slides). */
  scale?: number;
}

export interface FontSetup {
  files: string[];
  /** Set when no font file was found: the PNGs will have no text. */
  warning?: string;
}

/** The font files present in `fontDir` (the regular face first). */
export function findFonts(fontDir = DEFAULT_FONT_DIR): FontSetup {
  const files = FONT_FILES.map((f) => join(fontDir, f)).filter((f) => existsSync(f));
  if (files.length > 0) return { files };
  return {
    files,
    warning:
      `no DejaVu fonts in ${fontDir} (${FONT_FILES.join(', ')}): chart PNGs were written without any text; ` +
      'install them with `apt-get install fonts-dejavu-core` or pass another fontDir',
  };
}

/** Renders one SVG document to PNG bytes with the given fonts (white background). */
export function svgToPng(svg: string, fonts: FontSetup, scale = 2): Buffer {
  return renderSvg(svg, fonts, scale).asPng();
}

/** Renders one SVG document (white background); the image gives both RGBA pixels and PNG bytes. */
export function renderSvg(svg: string, fonts: FontSetup, scale = 2): RenderedImage {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: fonts.files,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      monospaceFamily: 'DejaVu Sans Mono',
    },
    logLevel: 'off',
  });
  return resvg.render();
}

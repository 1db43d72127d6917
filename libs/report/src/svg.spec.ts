import { Resvg } from '@resvg/resvg-js';
import {
  axisBottom,
  axisLeft,
  el,
  formatPow10,
  legend,
  linearScale,
  linearTicks,
  logTicks,
  n,
  niceStep,
  noDataSvg,
  svgDocument,
  text,
} from './svg';
import { assertWellFormedXml } from './testing/xml';

describe('svg primitives', () => {
  it('formats coordinates with at most two decimals and never -0 or NaN', () => {
    expect(n(1.23456)).toBe('1.23');
    expect(n(-0.001)).toBe('0');
    expect(n(NaN)).toBe('0');
    expect(n(Infinity)).toBe('0');
    expect(n(100)).toBe('100');
  });

  it('picks 1-2-2.5-5 steps and their multiples as ticks', () => {
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(100, 4)).toBe(25);
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(3, 3)).toEqual([3]);
    expect(linearTicks(NaN, 1)).toEqual([]);
  });

  it('puts 1-2-5 ticks on short log ranges and thinned powers of ten on long ones', () => {
    expect(logTicks(0, 1).map(formatPow10)).toEqual(['1', '2', '5', '10']);
    expect(logTicks(0, 20).map(formatPow10)).toEqual(['1', '1000', '1e6', '1e9', '1e12', '1e15', '1e18']);
    expect(logTicks(0.31, 0.33).length).toBeGreaterThan(0);
    expect(logTicks(-Infinity, 1)).toEqual([]);
  });

  it('maps a degenerate domain to the middle of the range', () => {
    expect(linearScale(2, 2, 0, 100)(2)).toBe(50);
    expect(linearScale(0, 10, 100, 0)(2.5)).toBe(75);
  });

  it('escapes text and attribute values', () => {
    expect(text(1, 2, '<b>&"')).toContain('>&lt;b&gt;&amp;&quot;</text>');
    expect(el('g', { 'data-x': '"><script>' })).toBe('<g data-x="&quot;&gt;&lt;script&gt;"/>');
  });

  it('builds well-formed documents with an accessible title, which resvg renders', () => {
    const body =
      axisLeft(linearScale(0, 1, 100, 10), [0, 0.5, 1], 40, 100, 10, { label: 'y <&>', gridTo: 200 }) +
      axisBottom(linearScale(0, 1, 40, 200), [0, 1], 100, 40, 200, { label: 'x' }) +
      legend([{ label: 'a"b', color: '#000' }], 40, 130, 100).svg;
    const svg = svgDocument({ id: 'c', width: 240, height: 160, title: 'T <1>', description: 'd & e', body });
    assertWellFormedXml(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="c"/);
    expect(svg).toContain('<title id="c-title">T &lt;1&gt;</title>');
    expect(svg).toContain('aria-labelledby="c-title c-desc"');
    expect(new Resvg(svg).render().width).toBe(240);
  });

  it('draws "no data" charts', () => {
    const svg = noDataSvg('empty', 'Empty', 'nothing & nobody');
    assertWellFormedXml(svg);
    expect(svg).toContain('>no data</text>');
    expect(svg).toContain('nothing &amp; nobody');
  });
});

describe('the well-formedness check itself', () => {
  it.each([
    ['<svg><g></svg>'],
    ['<svg><g></g>'],
    ['<svg a="1" a="2"/>'],
    ['<svg>a < b</svg>'],
    ['<svg>a &nbsp; b</svg>'],
    ['<svg x=1/>'],
    ['<svg/><svg/>'],
    ['text'],
  ])('rejects %s (and resvg agrees)', (xml) => {
    expect(() => assertWellFormedXml(xml)).toThrow();
    expect(() => new Resvg(xml)).toThrow();
  });
});

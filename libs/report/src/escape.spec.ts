import { escapeHtml, jsonForScript, sanitizeText } from './escape';
import { XSS } from './testing/fixture';

describe('escapeHtml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('leaves no tag of a script-breaking completion', () => {
    const escaped = escapeHtml(XSS);
    expect(escaped).not.toMatch(/[<>]/);
    expect(escaped).toBe('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('stringifies non-strings', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(null)).toBe('null');
  });

  it('replaces characters XML forbids and lone surrogates, keeps tabs, newlines and astral characters', () => {
    expect(sanitizeText('a\u0000b\u0007c\tz\n\r\uFFFF')).toBe('a\uFFFDb\uFFFDc\tz\n\r\uFFFD');
    expect(sanitizeText('x\uD800y\uDC00')).toBe('x\uFFFDy\uFFFD');
    expect(sanitizeText('😀')).toBe('😀');
  });
});

describe('jsonForScript', () => {
  it('cannot close or comment out its script element, and round-trips', () => {
    const value = { t: XSS + '<!-- & \u2028 \u2029 -->', n: [1, null] };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json.toLowerCase()).not.toContain('</script');
    expect(JSON.parse(json)).toEqual(value);
  });
});

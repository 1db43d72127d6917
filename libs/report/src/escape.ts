/**
 * Escaping for everything that comes from data (task ids, completions, backend and scorer names, config, notes).
 * Completions are arbitrary code: they contain `<`, `&`, quotes and even `</script>`.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Characters XML 1.0 forbids even as character references (C0 controls other than tab/newline/return,
 * U+FFFE/U+FFFF) and lone surrogates; HTML tolerates most of them but SVG rendered as XML (resvg) does not.
 */
const INVALID_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces characters that cannot appear in an XML document with U+FFFD. */
export function sanitizeText(value: string): string {
  return value.replace(INVALID_XML, '\uFFFD');
}

/** Escapes text for HTML/XML text content and (double- or single-quoted) attribute values. */
export function escapeHtml(value: unknown): string {
  return sanitizeText(String(value)).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Same escaping for SVG: valid both inline in HTML and in a standalone XML document. */
export const escapeXml = escapeHtml;

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become `\u003c`... so no `</script>`
 * or `<!--` can end or alter the element; U+2028/U+2029 are escaped for old JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

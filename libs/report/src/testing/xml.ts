// Spec helper: a strict-enough XML well-formedness check for the SVG documents (one root, balanced and properly
// nested tags, quoted attributes without raw `<`, no duplicate attributes, only the five predefined entities or
// numeric references, no raw `<`/`&` in text, no characters XML forbids).

const TAG = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkEntities(text: string, where: number): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(text)) throw new Error(`bad entity at ${where + i}: ${text.slice(i, i + 12)}`);
  }
}

/** Throws, saying where, when `xml` is not a well-formed document with a single root element. */
export function assertWellFormedXml(xml: string): void {
  if (FORBIDDEN.test(xml)) throw new Error('character not allowed in XML');
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root at ${i}`);
    if (text.includes('>') && stack.length === 0) throw new Error(`stray '>' at ${i}`);
    checkEntities(text, i);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end < 0) throw new Error(`unterminated comment at ${lt}`);
      i = end + 3;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(xml);
    if (!m) throw new Error(`malformed tag at ${lt}: ${xml.slice(lt, lt + 60)}`);
    const [all, close, name, attributes, selfClose] = m;
    const seen = new Set<string>();
    for (const a of attributes.matchAll(ATTR)) {
      if (seen.has(a[1])) throw new Error(`duplicate attribute ${a[1]} at ${lt}`);
      seen.add(a[1]);
      checkEntities(a[2] ?? a[3] ?? '', lt);
    }
    if (close) {
      if (attributes.trim() || selfClose) throw new Error(`malformed end tag at ${lt}`);
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> at ${lt} closes <${open ?? 'nothing'}>`);
    } else {
      if (stack.length === 0 && ++roots > 1) throw new Error(`second root element <${name}> at ${lt}`);
      if (!selfClose) stack.push(name);
    }
    i = lt + all.length;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (roots !== 1) throw new Error('no root element');
}

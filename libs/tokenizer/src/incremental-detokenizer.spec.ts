import { IncrementalDetokenizer } from './incremental-detokenizer';
import type { ModelTokenizer } from './model-tokenizer';
import { fixtureTokenizer, fixtureTokenizerCases, qwenReference, qwenTokenizer } from './testing/fixtures';

const FFFD = '\uFFFD';

/** Feeds ids one at a time; returns every push's delta and the final flush. */
function stream(tokenizer: ModelTokenizer, ids: readonly number[], skipSpecialTokens: boolean) {
  const detok = new IncrementalDetokenizer(tokenizer, { skipSpecialTokens });
  const deltas = ids.map((id) => detok.push(id));
  return { deltas, rest: detok.finish(), text: deltas.join('') };
}

/** A UTF-16 string without lone surrogates survives a UTF-8 round trip unchanged. */
const wellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;

describe('IncrementalDetokenizer on the fixture tokenizer', () => {
  const tokenizer = fixtureTokenizer('tiny-diffusion');
  const cases = fixtureTokenizerCases('tiny-diffusion');

  it.each([true, false])(
    'streams every reference case to exactly the full decode (skip special: %s)',
    (skip) => {
      for (const c of cases) {
        const { text, rest } = stream(tokenizer, c.ids, skip);
        expect(text + rest).toBe(skip ? c.decoded_skip_special : c.text);
        expect(rest).toBe(''); // every case ends on a complete character
      }
    },
  );

  it('holds back the bytes of a split emoji and of "é" until the character is complete', () => {
    // In the byte-level vocabulary ids 0..255 are the bytes in GPT-2 order: 😀 = F0 9F 98 80 = ids 172 253 246 222,
    // é = C3 A9 = ids 127 102; the reference encodes "# café ... 😀" with exactly these single-byte tokens.
    const ids = cases[1].ids;
    const { deltas } = stream(tokenizer, ids, true);
    const emoji = ids.indexOf(172);
    expect(ids.slice(emoji, emoji + 4)).toEqual([172, 253, 246, 222]);
    expect(deltas.slice(emoji, emoji + 4)).toEqual(['', '', '', '😀']);
    const eAcute = ids.indexOf(127);
    expect(ids.slice(eAcute, eAcute + 2)).toEqual([127, 102]);
    expect(deltas.slice(eAcute, eAcute + 2)).toEqual(['', 'é']);
    expect(deltas.every((d) => !d.includes(FFFD) && wellFormed(d))).toBe(true);
  });

  it('re-decodes only the ids since the last complete character, not the whole output', () => {
    const windows: number[] = [];
    const spy = {
      decode: (ids: readonly number[], options: { skipSpecialTokens: boolean }) => {
        windows.push(ids.length);
        return tokenizer.decode(ids, options);
      },
    };
    const detok = new IncrementalDetokenizer(spy, { skipSpecialTokens: true });
    for (const id of cases[1].ids) detok.push(id);
    expect(Math.max(...windows)).toBe(4); // the 4 single-byte tokens of 😀
  });

  it('joins a character split around a skipped special token, as decode drops the token first', () => {
    const ids = [172, 253, 480, 246, 222]; // F0 9F <|endoftext|> 98 80
    const skipped = stream(tokenizer, ids, true);
    expect(skipped.deltas).toEqual(['', '', '', '', '😀']);
    // Kept, the token breaks the sequence: lossy UTF-8 gives one U+FFFD for F0 9F, then one per lone 98, 80.
    const kept = stream(tokenizer, ids, false);
    expect(kept.text + kept.rest).toBe(`${FFFD}<|endoftext|>${FFFD}${FFFD}`);
  });

  it('releases bytes that never complete as U+FFFD at the end only', () => {
    const detok = new IncrementalDetokenizer(tokenizer, { skipSpecialTokens: true });
    expect(detok.push(39)).toBe('H');
    expect(detok.push(172)).toBe(''); // F0: start of a 4-byte character
    expect(detok.finish()).toBe(FFFD);
    expect(detok.tokenIds).toEqual([39, 172]);
  });

  it('never takes back text: random id streams (invalid bytes, specials, unknown ids) match the full decode', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31; // deterministic LCG, so a failure reproduces
      return seed % n;
    };
    for (let run = 0; run < 300; run++) {
      // mostly high bytes (multi-byte UTF-8 pieces), some merges, added tokens and unknown ids 490..511
      const ids = Array.from({ length: 1 + random(24) }, () =>
        random(3) === 0 ? 94 + random(162) : random(4) === 0 ? 470 + random(42) : random(490),
      );
      for (const skip of [true, false]) {
        const full = tokenizer.decode(ids, { skipSpecialTokens: skip });
        const detok = new IncrementalDetokenizer(tokenizer, { skipSpecialTokens: skip });
        let sent = '';
        for (const id of ids) {
          sent += detok.push(id);
          expect(full.startsWith(sent)).toBe(true);
        }
        expect(sent + detok.finish()).toBe(full);
      }
    }
  });
});

describe('IncrementalDetokenizer on the real Qwen2.5 tokenizer', () => {
  const cases = qwenReference().cases;

  it.each(cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'streams %s without U+FFFD or broken characters',
    (_name, c) => {
      const { deltas, text, rest } = stream(qwenTokenizer(), c.ids, true);
      expect(text).toBe(c.decoded_skip_special);
      expect(rest).toBe('');
      for (const d of deltas) expect([d, d.includes(FFFD), wellFormed(d)]).toEqual([d, false, true]);
    },
  );

  it('meets characters split across tokens in the emoji, CJK and accent cases (so the hold-back was exercised)', () => {
    for (const marker of ['emoji', 'rare CJK', 'accents']) {
      const c = cases.find((x) => x.text.startsWith(marker))!;
      const { deltas } = stream(qwenTokenizer(), c.ids, true);
      expect([marker, deltas.filter((d) => d === '').length > 0]).toEqual([marker, true]);
    }
  });
});

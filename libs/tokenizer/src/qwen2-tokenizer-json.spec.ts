import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelTokenizer, TokenizerError } from './model-tokenizer';
import {
  QWEN2_SPLIT_REGEX,
  buildQwen2TokenizerJson,
  parseAddedTokensDecoder,
  parseMerges,
  readQwen2TokenizerDir,
} from './qwen2-tokenizer-json';
import { fixtureDir, qwenReference, qwenTokenizer } from './testing/fixtures';

// Facts from REFERENCE.md §1 (and the data dir's SOURCE.txt), not from this code.
const FIM_PREFIX = 151659;
const ENDOFTEXT = 151643;

describe('the real Qwen2.5 tokenizer built from vocab.json + merges.txt', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(() => {
    tokenizer = qwenTokenizer(); // throws with the data directory it looked in when the files are missing
  });

  it('encodes the documented checks', () => {
    expect(tokenizer.encode('Hello world')).toEqual([9707, 1879]);
    expect(tokenizer.encode(' Hello world')).toEqual([21927, 1879]);
    expect(tokenizer.encode('<|fim_prefix|>')).toEqual([FIM_PREFIX]);
    expect(tokenizer.encode('<|endoftext|>')).toEqual([ENDOFTEXT]);
  });

  it('has the documented added-token ids and flags', () => {
    const expected: Array<[string, number, boolean]> = [
      ['<|endoftext|>', 151643, true],
      ['<|im_start|>', 151644, true],
      ['<|im_end|>', 151645, true],
      ['<|fim_prefix|>', 151659, false],
      ['<|fim_middle|>', 151660, false],
      ['<|fim_suffix|>', 151661, false],
      ['<|fim_pad|>', 151662, false],
      ['<|repo_name|>', 151663, false],
      ['<|file_sep|>', 151664, false],
    ];
    for (const [token, id, special] of expected) {
      expect([token, tokenizer.tokenToId(token), tokenizer.isSpecial(id)]).toEqual([token, id, special]);
    }
    expect(tokenizer.vocabSize).toBe(151665); // ids 0..151664
    expect(tokenizer.tokenToId('<M>')).toBeUndefined(); // the mask is added only for the diffusion model
  });

  it('skip_special_tokens keeps the FIM tokens but drops <|endoftext|>', () => {
    const ids = [FIM_PREFIX, 9707, 151661, 1879, 151660, ENDOFTEXT];
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(
      '<|fim_prefix|>Hello<|fim_suffix|> world<|fim_middle|>',
    );
    expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toBe(
      '<|fim_prefix|>Hello<|fim_suffix|> world<|fim_middle|><|endoftext|>',
    );
  });

  const reference = qwenReference();
  it.each(reference.cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'matches transformers Qwen2TokenizerFast on %s',
    (_name, c) => {
      expect(tokenizer.encode(c.text)).toEqual(c.ids);
      expect(tokenizer.decode(c.ids, { skipSpecialTokens: true })).toBe(c.decoded_skip_special);
      expect(tokenizer.decode(c.ids, { skipSpecialTokens: false })).toBe(c.decoded_keep_special);
    },
  );

  it('agrees with the reference on the vocabulary size', () => {
    expect(tokenizer.vocabSize).toBe(reference.vocab_size_with_added);
  });
});

describe('buildQwen2TokenizerJson', () => {
  it('writes the same pipeline as the Python export of the fixtures', () => {
    const exported = JSON.parse(
      readFileSync(join(fixtureDir('tiny-ar'), 'tokenizer.json'), 'utf8'),
    ) as Record<string, { [key: string]: unknown }>;
    const built = buildQwen2TokenizerJson({ a: 0 }, [], []);
    expect(built.normalizer).toEqual(exported.normalizer);
    expect(built.pre_tokenizer).toEqual(exported.pre_tokenizer);
    expect(built.post_processor).toEqual(exported.post_processor);
    expect(QWEN2_SPLIT_REGEX).toBe(
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    );
  });

  it('rebuilds the fixture tokenizer from its own vocab and merges with the same ids', () => {
    const exported = JSON.parse(
      readFileSync(join(fixtureDir('tiny-diffusion'), 'tokenizer.json'), 'utf8'),
    ) as {
      model: { vocab: Record<string, number>; merges: Array<[string, string]> };
      added_tokens: Array<{ id: number; content: string; special: boolean }>;
    };
    const rebuilt = ModelTokenizer.fromJson(
      buildQwen2TokenizerJson(exported.model.vocab, exported.model.merges, exported.added_tokens),
    );
    // ids from the fixture's reference (tokenizer_cases of tiny-diffusion)
    expect(rebuilt.encode("x = '<|im_start|>' + \"<|im_end|>\" + '<M>'")).toEqual([
      87, 268, 315, 481, 6, 328, 220, 1, 482, 1, 328, 315, 489, 6,
    ]);
  });

  it('refuses an added token that takes the id of a different vocabulary entry', () => {
    expect(() =>
      buildQwen2TokenizerJson({ a: 0, b: 1 }, [], [{ id: 1, content: '<x>', special: true }]),
    ).toThrow('added token "<x>" reuses vocabulary id 1');
  });
});

describe('merges.txt and added-token listings', () => {
  it('parses merges, skipping the version header and a trailing newline, tolerating CRLF', () => {
    expect(parseMerges('#version: 0.2\nĠ Ġ\r\nĠĠ ĠĠ\ni n\n')).toEqual([
      ['Ġ', 'Ġ'],
      ['ĠĠ', 'ĠĠ'],
      ['i', 'n'],
    ]);
    expect(() => parseMerges('#version: 0.2\nabc\n')).toThrow('merges.txt line 2');
  });

  it('reads added_tokens_decoder bare or inside tokenizer_config.json', () => {
    const table = { '7': { content: '<e>', special: true }, '8': { content: '<f>', special: false } };
    const expected = [
      { id: 7, content: '<e>', special: true },
      { id: 8, content: '<f>', special: false },
    ];
    expect(parseAddedTokensDecoder(table)).toEqual(expected);
    expect(parseAddedTokensDecoder({ added_tokens_decoder: table })).toEqual(expected);
    expect(() => parseAddedTokensDecoder({ x: { content: '<e>' } })).toThrow(TokenizerError);
  });

  it('names the directory when the tokenizer files are missing', () => {
    expect(() => readQwen2TokenizerDir('/nonexistent/qwen')).toThrow('tokenizer directory /nonexistent/qwen');
    expect(() => readQwen2TokenizerDir(__dirname)).toThrow(/vocab\.json not found/);
  });
});

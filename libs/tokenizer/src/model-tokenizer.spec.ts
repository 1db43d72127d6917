import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelTokenizer, TokenizerError } from './model-tokenizer';
import { FixtureModel, fixtureDir, fixtureTokenizer, fixtureTokenizerCases } from './testing/fixtures';

const MODELS: FixtureModel[] = ['tiny-ar', 'tiny-diffusion'];

describe.each(MODELS)('ModelTokenizer on the %s fixture', (model) => {
  const tokenizer = fixtureTokenizer(model);
  const cases = fixtureTokenizerCases(model);
  const json = JSON.parse(readFileSync(join(fixtureDir(model), 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
    added_tokens: Array<{ id: number; content: string; special: boolean }>;
  };

  it('has reference cases to check against', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'encodes %s to the ids of the Python tokenizers library',
    (_name, c) => {
      expect(tokenizer.encode(c.text)).toEqual(c.ids);
    },
  );

  it.each(cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'decodes the ids of %s with skip_special_tokens as Python does',
    (_name, c) => {
      expect(tokenizer.decode(c.ids, { skipSpecialTokens: true })).toBe(c.decoded_skip_special);
    },
  );

  it('round-trips every reference text when special tokens are kept', () => {
    for (const c of cases) expect(tokenizer.decode(c.ids, { skipSpecialTokens: false })).toBe(c.text);
  });

  it('flags exactly the added tokens marked special in tokenizer.json', () => {
    for (const t of json.added_tokens) expect(tokenizer.isSpecial(t.id)).toBe(t.special);
    expect(tokenizer.isSpecial(json.model.vocab['a'])).toBe(false);
  });

  it('maps tokens and ids both ways, added tokens included', () => {
    for (const t of json.added_tokens) {
      expect(tokenizer.tokenToId(t.content)).toBe(t.id);
      expect(tokenizer.idToToken(t.id)).toBe(t.content);
    }
    expect(tokenizer.idToToken(json.model.vocab['Ġ'])).toBe('Ġ');
    expect(tokenizer.tokenToId('no such token')).toBeUndefined();
  });

  it('counts the vocabulary plus the added tokens', () => {
    expect(tokenizer.vocabSize).toBe(Object.keys(json.model.vocab).length + json.added_tokens.length);
  });

  it('decodes ids the tokenizer does not know (embedding rows past it) to nothing, and [] to ""', () => {
    const hello = cases[0];
    const unknown = tokenizer.vocabSize; // the first id past the tokenizer, still a row of the 512-row embedding
    expect(tokenizer.decode([unknown, ...hello.ids, unknown + 1], { skipSpecialTokens: true })).toBe(
      hello.text,
    );
    expect(tokenizer.decode([], { skipSpecialTokens: false })).toBe('');
    expect(tokenizer.decode([unknown], { skipSpecialTokens: false })).toBe('');
  });

  it('never applies the "clean up tokenization spaces" rewrite (" ," -> ",") that would corrupt code', () => {
    const text = "f(a , b) . c ? d ! x = 'm' + n't";
    expect(tokenizer.decode(tokenizer.encode(text), { skipSpecialTokens: true })).toBe(text);
  });

  it('adds no BOS/EOS: the empty text has no tokens', () => {
    expect(tokenizer.encode('')).toEqual([]);
  });
});

describe('ModelTokenizer errors', () => {
  it('names the file when tokenizer.json is missing or not JSON', () => {
    expect(() => ModelTokenizer.fromFile('/nonexistent/tokenizer.json')).toThrow(
      /\/nonexistent\/tokenizer\.json: cannot read tokenizer\.json/,
    );
    expect(() => ModelTokenizer.fromFile(__filename)).toThrow(TokenizerError);
  });

  it('rejects an object that is not a tokenizer', () => {
    expect(() => ModelTokenizer.fromJson({ model: {} })).toThrow(TokenizerError);
  });
});

import { status } from '@grpc/grpc-js';
import { FimPromptBuilder, FimUnsupportedError } from './fim-prompt';
import { fixtureManifest, fixtureTokenizer, qwenTokenizer } from './testing/fixtures';

// tiny-ar: manifest fim ids prefix 483, middle 484, suffix 485; "Hello world" -> these ids (reference/logits.json).
const HELLO_WORLD = [39, 68, 75, 300, 400, 272, 75, 67];

describe('FimPromptBuilder on the tiny-ar fixture', () => {
  const builder = FimPromptBuilder.fromManifest(fixtureTokenizer('tiny-ar'), fixtureManifest('tiny-ar'));

  it('lays out prefix and suffix in PSM order around the manifest FIM ids', () => {
    expect(builder.build('Hello world', 'Hello world')).toEqual({
      ids: [483, ...HELLO_WORLD, 485, ...HELLO_WORLD, 484],
      mode: 'fim',
    });
  });

  it('gives the ids Python gives for the same prompt written as one text', () => {
    // tokenizer_cases: "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>c<|endoftext|>" -> [483, 64, 485, 65, 484, 66, 480]
    expect(builder.build('a', 'b').ids).toEqual([483, 64, 485, 65, 484]);
  });

  it('is a plain completion of the prefix when the suffix is empty', () => {
    expect(builder.build('Hello world', '')).toEqual({ ids: HELLO_WORLD, mode: 'completion' });
  });

  it('keeps the FIM frame for an empty prefix', () => {
    expect(builder.build('', 'Hello world').ids).toEqual([483, 485, ...HELLO_WORLD, 484]);
  });
});

describe('FimPromptBuilder on the real Qwen2.5 tokenizer', () => {
  it('puts the Qwen FIM ids around "Hello" and " world"', () => {
    const qwenFim = {
      prefix: 151659,
      middle: 151660,
      suffix: 151661,
      pad: 151662,
      repo_name: 151663,
      file_sep: 151664,
    };
    const builder = new FimPromptBuilder(qwenTokenizer(), qwenFim, 'qwen2.5-coder-0.5b');
    // REFERENCE.md §1: "Hello world" -> [9707, 1879], so "Hello" -> [9707] and " world" -> [1879].
    expect(builder.build('Hello', ' world').ids).toEqual([151659, 9707, 151661, 1879, 151660]);
  });
});

describe('FimPromptBuilder without FIM tokens', () => {
  const noFim = { ...fixtureManifest('tiny-ar'), name: 'no-fim', fim: null, fim_tokens: null };
  const builder = FimPromptBuilder.fromManifest(fixtureTokenizer('tiny-ar'), noFim);

  it('still completes a prefix', () => {
    expect(builder.supportsFim).toBe(false);
    expect(builder.build('Hello world', '').ids).toEqual(HELLO_WORLD);
  });

  it('rejects a suffix with an INVALID_ARGUMENT error naming input.suffix', () => {
    let error: unknown;
    try {
      builder.build('a', 'b');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FimUnsupportedError);
    expect(error).toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: 'input.suffix must be empty: model no-fim has no fill-in-the-middle tokens',
    });
  });
});

describe('FimPromptBuilder.fromManifest', () => {
  it('refuses a manifest whose FIM ids are not the tokenizer ids of its FIM tokens', () => {
    const manifest = fixtureManifest('tiny-ar');
    const wrong = { ...manifest, fim: { ...manifest.fim!, middle: 485, suffix: 484 } };
    expect(() => FimPromptBuilder.fromManifest(fixtureTokenizer('tiny-ar'), wrong)).toThrow(
      'manifest of tiny-ar: fim.middle is 485 but the tokenizer has <|fim_middle|> = 484',
    );
  });
});

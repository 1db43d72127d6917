import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export interface DecodeOptions {
  /** Drop added tokens flagged special (`<|endoftext|>`, `<M>`); Qwen's FIM tokens are not special and stay. */
  skipSpecialTokens: boolean;
}

/** A tokenizer.json could not be read or used; the message names the file or the problem. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

/**
 * Text <-> token ids for a model directory's tokenizer.json, with the Python `tokenizers` semantics the reference
 * implementations use: no BOS/EOS added, added tokens in the text map to their ids, decode without clean-up.
 */
export class ModelTokenizer {
  /** Number of ids the tokenizer knows, added tokens included (embedding rows may be more). */
  readonly vocabSize: number;
  private readonly specialIds: ReadonlySet<number>;

  private constructor(private readonly tokenizer: Tokenizer) {
    const added = [...tokenizer.get_added_tokens_decoder().values()];
    this.specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));
    let known = 0;
    for (const token of tokenizer.get_vocab(true).keys()) if (token !== undefined) known++;
    this.vocabSize = known;
  }

  /** `json` is a parsed tokenizer.json (e.g. from buildQwen2TokenizerJson). */
  static fromJson(json: object): ModelTokenizer {
    // The JS library's clean-up default (true) rewrites " ," to "," and similar: wrong for code, and the Rust
    // `tokenizers` decode the references use never does it.
    const config = { clean_up_tokenization_spaces: false };
    try {
      return new ModelTokenizer(new Tokenizer(json, config));
    } catch (error) {
      throw new TokenizerError(`invalid tokenizer.json: ${(error as Error).message}`);
    }
  }

  static fromFile(path: string): ModelTokenizer {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new TokenizerError(`${path}: cannot read tokenizer.json (${(error as Error).message})`);
    }
    if (typeof json !== 'object' || json === null) throw new TokenizerError(`${path}: not a JSON object`);
    try {
      return ModelTokenizer.fromJson(json);
    } catch (error) {
      throw new TokenizerError(`${path}: ${(error as Error).message}`);
    }
  }

  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // The library maps a piece missing from the vocabulary to `undefined` when there is no unk token;
    // a byte-level vocabulary covers every byte, so this only fires on a broken tokenizer.json.
    if (ids.some((id) => typeof id !== 'number'))
      throw new TokenizerError(`text has pieces outside the vocabulary`);
    return ids;
  }

  decode(ids: readonly number[], { skipSpecialTokens }: DecodeOptions): string {
    // Ids the tokenizer does not know (embedding rows past the vocabulary, which a model can sample) decode to
    // nothing, as in the Rust library; the JS one throws on an empty list and drops unknown ids only by
    // joining `undefined` as ''.
    const known = ids.filter((id) => this.tokenizer.id_to_token(id) !== undefined);
    if (known.length === 0) return '';
    return this.tokenizer.decode(known, { skip_special_tokens: skipSpecialTokens });
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** True for added tokens flagged special, the ones `skipSpecialTokens` drops. */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
}

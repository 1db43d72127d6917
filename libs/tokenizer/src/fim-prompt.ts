import { InvalidArgumentError } from '@ensemble/grpc';
import type { ModelManifest } from '@ensemble/inference';
import type { ModelTokenizer } from './model-tokenizer';

export type FimIds = NonNullable<ModelManifest['fim']>;

/** A request has a suffix but the model has no FIM tokens to place it; the client must drop the suffix. */
export class FimUnsupportedError extends InvalidArgumentError {
  constructor(model: string) {
    super('input.suffix', `must be empty: model ${model} has no fill-in-the-middle tokens`);
  }
}

export interface FimPrompt {
  ids: number[];
  /** 'completion' when the suffix is empty: the prefix alone, no FIM tokens. */
  mode: 'fim' | 'completion';
}

/**
 * Autoregressive prompt in PSM order: <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|>.
 * Prefix and suffix are encoded separately, as Qwen's reference does, so no BPE merge crosses the FIM tokens.
 */
export class FimPromptBuilder {
  constructor(
    private readonly tokenizer: Pick<ModelTokenizer, 'encode'>,
    private readonly fim: FimIds | null,
    private readonly modelName: string,
  ) {}

  /** Checks that the manifest's FIM ids are the tokenizer's ids for the FIM token strings. */
  static fromManifest(
    tokenizer: Pick<ModelTokenizer, 'encode' | 'tokenToId'>,
    manifest: Pick<ModelManifest, 'name' | 'fim' | 'fim_tokens'>,
  ): FimPromptBuilder {
    const { fim, fim_tokens: tokens } = manifest;
    if (fim && tokens) {
      for (const key of Object.keys(fim) as Array<keyof FimIds>) {
        const id = tokenizer.tokenToId(tokens[key]);
        if (id !== fim[key]) {
          throw new Error(
            `manifest of ${manifest.name}: fim.${key} is ${fim[key]} but the tokenizer has ${tokens[key]} = ${id}`,
          );
        }
      }
    }
    return new FimPromptBuilder(tokenizer, fim, manifest.name);
  }

  get supportsFim(): boolean {
    return this.fim !== null;
  }

  build(prefix: string, suffix: string): FimPrompt {
    if (suffix === '') return { ids: this.tokenizer.encode(prefix), mode: 'completion' };
    if (this.fim === null) throw new FimUnsupportedError(this.modelName);
    const ids = [
      this.fim.prefix,
      ...this.tokenizer.encode(prefix),
      this.fim.suffix,
      ...this.tokenizer.encode(suffix),
      this.fim.middle,
    ];
    return { ids, mode: 'fim' };
  }
}

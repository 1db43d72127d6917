import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerError } from './model-tokenizer';

/** Qwen2's pre-tokenizer split (REFERENCE.md §1; the same as qwen tiktoken's PAT_STR). */
export const QWEN2_SPLIT_REGEX = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

export interface AddedTokenSpec {
  id: number;
  content: string;
  /** Special tokens are dropped by skip_special_tokens; Qwen's FIM tokens are not special. */
  special: boolean;
}

/** The tokenizer.json fields this builder writes (the Hugging Face `tokenizers` serialisation). */
export interface TokenizerJson {
  version: string;
  added_tokens: Array<{
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }>;
  normalizer: object;
  pre_tokenizer: object;
  post_processor: object;
  decoder: object;
  model: {
    type: 'BPE';
    vocab: Record<string, number>;
    merges: Array<[string, string]>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const BYTE_LEVEL = { add_prefix_space: false, trim_offsets: false, use_regex: false };

/**
 * A Qwen2 byte-level BPE tokenizer.json, the same pipeline tools/export writes: NFC, the Qwen2 split then
 * ByteLevel without its own regex, no BOS/EOS post-processing, ByteLevel decoder.
 */
export function buildQwen2TokenizerJson(
  vocab: Record<string, number>,
  merges: Array<[string, string]>,
  added: readonly AddedTokenSpec[],
): TokenizerJson {
  const vocabIds = new Set(Object.values(vocab));
  for (const t of added) {
    if (vocabIds.has(t.id) && vocab[t.content] !== t.id) {
      throw new TokenizerError(`added token ${JSON.stringify(t.content)} reuses vocabulary id ${t.id}`);
    }
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added]
      .sort((a, b) => a.id - b.id)
      .map((t) => ({
        id: t.id,
        content: t.content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: t.special,
      })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', ...BYTE_LEVEL },
      ],
    },
    post_processor: { type: 'ByteLevel', ...BYTE_LEVEL },
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** merges.txt: an optional `#version` header, then one `left right` pair a line. */
export function parseMerges(text: string): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (index === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2) throw new TokenizerError(`merges.txt line ${index + 1}: expected "left right"`);
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/** transformers' `added_tokens_decoder` ({"151643": {content, special, ...}}), bare or inside tokenizer_config. */
export function parseAddedTokensDecoder(json: unknown): AddedTokenSpec[] {
  const outer = json as { added_tokens_decoder?: unknown };
  const table = (outer?.added_tokens_decoder ?? json) as Record<
    string,
    { content?: unknown; special?: unknown }
  >;
  if (typeof table !== 'object' || table === null)
    throw new TokenizerError('added_tokens_decoder: not an object');
  return Object.entries(table).map(([id, t]) => {
    if (!/^\d+$/.test(id) || typeof t?.content !== 'string') {
      throw new TokenizerError(`added_tokens_decoder: entry ${id} needs a numeric id and a string content`);
    }
    return { id: Number(id), content: t.content, special: t.special === true };
  });
}

/** vocab.json + merges.txt + added_tokens_decoder*.json (or tokenizer_config.json) in `dir`. */
export function readQwen2TokenizerDir(dir: string): TokenizerJson {
  if (!existsSync(dir)) throw new TokenizerError(`tokenizer directory ${dir} does not exist`);
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new TokenizerError(
        `${join(dir, name)} not found (need vocab.json, merges.txt and the added tokens)`,
      );
    }
  };
  const listing =
    readdirSync(dir)
      .filter((f) => /^added_tokens_decoder.*\.json$/.test(f))
      .sort()[0] ?? 'tokenizer_config.json';
  const vocab = JSON.parse(read('vocab.json')) as Record<string, number>;
  return buildQwen2TokenizerJson(
    vocab,
    parseMerges(read('merges.txt')),
    parseAddedTokensDecoder(JSON.parse(read(listing))),
  );
}

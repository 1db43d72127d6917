export * from './fim-prompt';
export * from './incremental-detokenizer';
export * from './model-tokenizer';
export * from './prefix-only-span';
export * from './qwen2-tokenizer-json';
export * from './stop-strings';
export * from './stop-tokens';

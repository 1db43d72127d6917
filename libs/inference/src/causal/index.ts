export * from './causal-lm';
export * from './decode-scheduler';
export * from './kv-cache';

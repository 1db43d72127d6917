export * from './causal-scorer';
export * from './log-likelihood';

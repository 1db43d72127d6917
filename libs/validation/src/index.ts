export * from './checks';
export * from './enum-names';
export * from './generation-params';
export * from './input-tokens';
export * from './limits';
export * from './score-params';

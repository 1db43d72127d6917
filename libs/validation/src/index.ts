export * from './checks';
export * from './generation-params';
export * from './limits';
export * from './score-params';

export * from './bearer-tokens';
export * from './concurrency-limiter';
export * from './credentials';

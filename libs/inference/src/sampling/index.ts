export * from './rng';
export * from './sample-token';

export * from './bidirectional-lm';
export * from './denoise';
export * from './masked-score';
export * from './sample-tokens';
export * from './schedules';

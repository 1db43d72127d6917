export * from './types';
export * from './pass-at-k';
export * from './exact-match';
export * from './statistics';
export * from './calibration';
export * from './summarize';

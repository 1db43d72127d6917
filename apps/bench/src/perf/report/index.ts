export * from './types';
export * from './analyse';
export * from './markdown';
export * from './targets';

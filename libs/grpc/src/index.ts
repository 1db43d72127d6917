export * from './client';
export * from './context';
export * from './errors';
export * from './health';
export * from './logging';
export * from './metrics';
export * from './security';
export * from './server';
export { freePort } from './free-port';

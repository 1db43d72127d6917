export * from './fields';
export * from './load-config';
export * from './repo-paths';
export * from './server-config';
export * from './tls-config';

export * from './human-eval-program';
export * from './judge';

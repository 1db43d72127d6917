export * from './infer-manifest';
export * from './manifest';
export * from './reconcile-graph';
export * from './model-directory';
export * from './onnx-session';
export * from './sampling';
export * from './causal';
export * from './session-runner';

export * from './manifest';
export * from './model-directory';
export * from './onnx-session';

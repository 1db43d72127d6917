export * from './model-info';
export * from './model-runtime.service';
export * from './model-server.config';
export * from './model-server.module';
export * from './model-server.profile';
export * from './model.service';
export * from './run-model-server';
export * from './tokens';

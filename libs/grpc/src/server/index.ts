export * from './access.interceptor';
export * from './grpc-kit';
export * from './grpc-server';
export * from './observability.interceptor';
export * from './reflection';
export * from './run-main';
export * from './status-message.interceptor';

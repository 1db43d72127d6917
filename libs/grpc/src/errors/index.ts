export * from './grpc-errors';
export * from './grpc-exception.filter';
export * from './to-grpc-status';

export * from './grpc-client';

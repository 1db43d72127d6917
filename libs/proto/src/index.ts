export * from './generated/ensemble/v1/common.pb';
export * from './generated/ensemble/v1/model_service.pb';
export * from './generated/ensemble/v1/ensemble.pb';
export * as health from './generated/grpc/health/v1/health.pb';
export * from './descriptors';
export * from './names';

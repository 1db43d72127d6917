/** Fully qualified names of the services this project serves, as reflection and health report them. */
export const PROTO_PACKAGE = 'ensemble.v1';
export const MODEL_SERVICE = 'ensemble.v1.ModelService';
export const ENSEMBLE_SERVICE = 'ensemble.v1.Ensemble';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** Injection tokens of the model-server lib. */
export const MODEL_SERVER_PROFILE = Symbol('MODEL_SERVER_PROFILE');
export const MODEL_SERVER_CONFIG = Symbol('MODEL_SERVER_CONFIG');

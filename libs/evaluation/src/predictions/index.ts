export * from './prediction-record';
export * from './read-json-lines';
export * from './read-predictions';

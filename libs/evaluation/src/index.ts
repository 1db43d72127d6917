export * from './dataset-names';

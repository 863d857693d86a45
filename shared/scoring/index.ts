export * from './interface';
export * from './builtins';
export * from './guard';
export * from './ema';
export * from './tensor';
export { loadScorer, validateScorer, isScorerPath } from './loader';

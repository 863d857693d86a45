export * from './interface';
export * from './options';
export { Validator, type StepSummary, type ValidatorStatus } from './validator';
export { ReferenceTask, type ReferenceTaskOptions } from './task';
export { ScoreBook, type SyncChanges } from './scoreBook';
export { sampleUids, mulberry32 } from './sampler';
export * from './schedule';
export * from './snapshot';
export { systemClock, sleep } from './clock';

/**
 * Models: the ModelRunner boundary with its ONNX (onnxruntime-node) and fake implementations,
 * request validation, micro-batching, the project's generated default model and seeded inputs.
 */
export * from './interface';
export * from './options';
export * from './tensor';
export * from './validate';
export * from './rng';
export * from './generate';
export * from './onnxRunner';
export * from './fakeRunner';
export * from './batching';
export * from './measure';

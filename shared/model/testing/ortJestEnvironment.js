/**
 * A jest environment for tests that run onnxruntime-node in-process. Jest gives each test file its
 * own realm, but onnxruntime-node's native binding returns typed arrays of the main realm, and
 * onnxruntime-common (loaded in the test realm) then rejects them with
 * "A float32 tensor's data must be type of function Float32Array()". This environment makes the
 * test realm use the main realm's typed-array constructors. Opt in per file with the docblock
 *   /** @jest-environment ./shared/model/testing/ortJestEnvironment.js *\/
 */
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtJestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (globalThis[name] !== undefined) this.global[name] = globalThis[name];
    }
  }
}

module.exports = OrtJestEnvironment;

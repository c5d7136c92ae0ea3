'use strict';
/**
 * Jest test environment for code that uses native addons returning typed arrays
 * (onnxruntime-node behind @xenova/transformers).
 *
 * Jest runs each test file in its own vm context, so the context has its own
 * Float32Array, BigInt64Array, ... constructors. onnxruntime-node creates output
 * tensors' data in the host (main) realm, and onnxruntime-common then checks
 * `data instanceof Float32Array` against the context's constructor, which fails with
 * "A float32 tensor's data must be type of function Float32Array() { [native code] }".
 *
 * jest-environment-node already shares the host's ArrayBuffer and Uint8Array (and
 * Buffer) with the context for the same reason; this environment shares all the other
 * typed-array constructors too, so every typed array in a test belongs to one realm.
 */
const { TestEnvironment: NodeEnvironment } = require('jest-environment-node');

const HOST_REALM_CONSTRUCTORS = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class HostTypedArraysEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_REALM_CONSTRUCTORS) {
      if (typeof globalThis[name] === 'function') this.global[name] = globalThis[name];
    }
  }
}

module.exports = HostTypedArraysEnvironment;

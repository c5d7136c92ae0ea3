/** @type {import('jest').Config} */
module.exports = {
  // Tests are compiled by `tsc` first (see "pretest"); jest runs the emitted ESM.
  testMatch: ['<rootDir>/dist/test/**/*.test.js'],
  // Shares the host realm's typed-array constructors with the test context so that
  // onnxruntime-node (via @xenova/transformers) passes its instanceof checks.
  testEnvironment: '<rootDir>/test/support/jest-environment.cjs',
  testTimeout: 30000,
};

// Three tiers, each its own jest project (see ../shared/STYLE.md "Tests"):
//   unit  - pure functions, milliseconds
//   spec  - reference vectors through one generic runner
//   e2e   - real processes and sockets on 127.0.0.1
// TypeScript is transpiled by @swc/jest (no type-check here; `npm run typecheck` does that).
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'spec', testMatch: ['<rootDir>/test/spec/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testTimeout: 120000 },
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'], testTimeout: 600000 },
  ],
};

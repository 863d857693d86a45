// Tiers, each its own jest project (see ../shared/STYLE.md "Tests"):
//   unit   - pure functions, milliseconds
//   spec   - reference vectors through one generic runner
//   e2e    - real processes and sockets on 127.0.0.1
//   faults - long fault-injection runs (`npm run test:faults`, not part of `npm test`)
// TypeScript is transpiled by @swc/jest (no type-check here; `npm run typecheck` does that).
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
const slow = { setupFilesAfterEnv: ['<rootDir>/test/helpers/e2e-timeout.ts'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'spec', testMatch: ['<rootDir>/test/spec/**/*.test.ts'] },
    { ...common, ...slow, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'], setupFilesAfterEnv: ['<rootDir>/test/helpers/e2e-timeout.ts'] },
  ],
};

// e2e and fault tests start real processes: give each test two minutes unless it says otherwise.
// (Jest 30 ignores `testTimeout` inside a `projects` entry.)
jest.setTimeout(Number(process.env.E2E_TEST_TIMEOUT_MS ?? 120_000));

/**
 * Runs the one chain compliance suite (chain-compliance.shared.ts) against:
 *  - the local chain (chain-mock's startLocalChain, port 0, instant mode, SQLite --db so a restart
 *    keeps its state): always;
 *  - subtensor's runtime under chopsticks: when SUBTENSOR_CHAIN_SPEC points to a raw spec / wasm
 *    (supplied by the user, never committed). Skipped with a message otherwise.
 * Plus the client's own endpoint checks (no chain needed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubstrateChainClient } from '../../shared/chain';
import { freePort } from '../helpers/cli';
import { defineChainCompliance, type ChainUnderTest } from './chain-compliance.shared';

const SPEC = process.env.SUBTENSOR_CHAIN_SPEC;

describe('chain client: endpoints', () => {
  test('an endpoint nobody listens on is CHAIN_UNREACHABLE within the connect timeout', async () => {
    const port = await freePort();
    const c = new SubstrateChainClient({ endpoint: `ws://127.0.0.1:${port}`, connectTimeoutMs: 700 });
    const t0 = Date.now();
    await expect(c.start()).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await c.stop();
  });
  test('a malformed endpoint is CHAIN_BAD_INPUT', async () => {
    await expect(new SubstrateChainClient({ endpoint: 'http//nope' }).start()).rejects.toMatchObject({ code: 'CHAIN_BAD_INPUT' });
  });
  test('using a client before start() is CHAIN_NOT_STARTED', async () => {
    await expect(new SubstrateChainClient().currentBlock()).rejects.toMatchObject({ code: 'CHAIN_NOT_STARTED' });
  });
});

// ---- the local chain (always)
type StartLocal = (o: Record<string, unknown>) => Promise<{ url: string; port: number; close(): Promise<void> }>;
function startLocal(): StartLocal {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../chain-mock') as { startLocalChain: StartLocal }).startLocalChain;
}
const dbDir = mkdtempSync(join(tmpdir(), 'chain-compliance-'));
afterAll(() => rmSync(dbDir, { recursive: true, force: true }));
let dbSeq = 0;

defineChainCompliance({
  name: 'local chain (chain-mock, instant)',
  timeoutMs: 30_000,
  async start(): Promise<ChainUnderTest & { port: number; dbPath: string }> {
    const dbPath = join(dbDir, `chain-${++dbSeq}.db`);
    const c = await startLocal()({ port: 0, host: '127.0.0.1', blockMode: 'instant', dbPath });
    return { url: c.url, port: c.port, dbPath, close: () => c.close() };
  },
  restart: {
    keepsState: true,
    async run(prev) {
      const p = prev as ChainUnderTest & { port: number; dbPath: string };
      await p.close();
      const c = await startLocal()({ port: p.port, host: '127.0.0.1', blockMode: 'instant', dbPath: p.dbPath });
      return { url: c.url, port: c.port, dbPath: p.dbPath, close: () => c.close() } as ChainUnderTest;
    },
  },
});

// ---- subtensor's runtime under chopsticks (opt-in)
if (SPEC) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startRuntimeChain } = require('../../chain-runtime') as typeof import('../../chain-runtime');
  defineChainCompliance({
    name: `subtensor runtime under chopsticks (${SPEC})`,
    timeoutMs: 120_000,
    async start() {
      const c = await startRuntimeChain({ spec: SPEC, port: 0 });
      return { url: c.url, port: c.port, close: () => c.close() } as ChainUnderTest;
    },
    restart: {
      keepsState: false,
      async run(prev) {
        const port = (prev as ChainUnderTest & { port: number }).port;
        await prev.close();
        // a different dev balance gives a different genesis: the client must adopt the reset chain
        const c = await startRuntimeChain({ spec: SPEC, port, devBalance: 2_000_000_000_000_000n });
        return { url: c.url, port: c.port, close: () => c.close() } as ChainUnderTest;
      },
    },
  });
} else {
  describe('chain compliance: subtensor runtime under chopsticks', () => {
    test.skip('skipped: set SUBTENSOR_CHAIN_SPEC to a subtensor raw chain spec or runtime wasm (e.g. scripts/specs/raonet.json) to run it', () => undefined);
  });
}

/**
 * The chain goes away for 30 s: `subnet chain --db FILE` (a real process) is stopped with
 * SIGKILL (no goodbye: sockets just die), and in a second run with SIGTERM (clean close), while two chain-following `subnet miner` processes and a `subnet validator` run,
 * and restarted 30 s later on the same port from its database. Checked:
 *  - during the outage the validator keeps stepping (queries go to the miners, not the chain)
 *    and the miners keep answering ok;
 *  - after the restart the miners and the validator log `chain reconnected` by themselves,
 *    the chain continues from its persisted head, and the validator's pending weights are set
 *    (a weight_sets row `included` at a block after the restart);
 *  - nothing hangs: every process stops on SIGTERM with exit code 0; the log passes
 *    `PRAGMA integrity_check`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForOutput } from '../helpers/cli';
import { Cluster, FIRST_MINER_UID, genesisFor } from './helpers/cluster';
import { integrityCheck, kill9, readLog, sleep, spawnRecorded, startValidator, stepQueries, waitUntil, type Proc } from './helpers/procs';
import { freePort } from '../helpers/cli';

jest.setTimeout(600_000);

const OUTAGE_MS = Number(process.env.FAULT_CHAIN_OUTAGE_MS ?? 30_000);
const c = new Cluster();
let chainPort = 0;
let genesisFile = '';

function startChain(chainDb: string): Proc {
  return c.track(spawnRecorded(['chain', '--port', String(chainPort), '--db', chainDb, '--genesis', genesisFile, '--block-ms', '100', '--allow-loopback-axons', '--log-level', 'warn']));
}

function minerProc(i: number, url: string): Proc {
  return c.track(
    spawnRecorded(['miner', '--dev', `m${i + 1}`, '--axon.ip', '127.0.0.1', '--axon.port', String(c.ports[i]), '--chain', url, '--axon.external_ip', '127.0.0.1', '--blacklist.allow_non_validators', '--log-level', 'info']),
  );
}

beforeAll(async () => {
  await c.start(2); // ports and a temp dir (the in-process chain of the cluster is not used here)
  chainPort = await freePort();
  genesisFile = join(c.dir, 'genesis.json');
  writeFileSync(genesisFile, JSON.stringify(genesisFor(c.ports)));
});
afterAll(() => c.stop());

test.each([['SIGKILL' as const], ['SIGTERM' as const]])(`chain stopped with %s for ${OUTAGE_MS / 1000} s and restarted from --db: everyone reconnects, weights are set after recovery, nothing hangs`, async (sig) => {
  const chainDb = join(c.dir, `chain-${sig}.db`);
  let chain = startChain(chainDb);
  await waitForOutput(chain, /chain listening on/, 60_000);
  const url = `ws://127.0.0.1:${chainPort}`;
  const miners = [minerProc(0, url), minerProc(1, url)];
  // (their recorded output, not a listener attached later: the second may be ready before the first)
  await waitUntil(() => miners.every((m) => /miner listening/.test(m.output())), 'both miners listening', 60_000, 100);
  const db = join(c.dir, `outage-${sig}.db`);
  const v = c.track(startValidator({ dev: 'dave', chainUrl: url, db }));
  await waitForOutput(v, /validator running/, 60_000);
  await waitUntil(() => readLog(db).weightSets.some((w) => w.status === 'included'), 'a first weight set', 60_000, 200);

  // the outage
  const stepsAtKill = readLog(db).steps.length;
  if (sig === 'SIGKILL') await kill9(chain);
  else {
    chain.kill('SIGTERM');
    await chain.exited;
  }
  const killedAt = Date.now();
  await sleep(OUTAGE_MS / 2);
  const midSteps = readLog(db).steps;
  await sleep(OUTAGE_MS / 2);
  const outage = readLog(db).steps.filter((s) => s > stepsAtKill);
  const outageMinerStatuses = new Set(outage.slice(2).flatMap((s) => stepQueries(db, s).filter((q) => q.uid >= FIRST_MINER_UID).map((q) => q.status)));

  // restart on the same port from the database
  const marks = [v, ...miners].map((p) => p.output().length);
  chain = startChain(chainDb);
  await waitForOutput(chain, /chain listening on/, 60_000);
  const restartedAt = Date.now();
  await waitUntil(() => [v, ...miners].every((p, i) => /chain reconnected/.test(p.output().slice(marks[i]))), 'validator and miners to reconnect', 90_000, 200);
  const reconnectMs = Date.now() - restartedAt;
  await waitUntil(() => readLog(db).weightSets.some((w) => w.status === 'included' && w.at >= restartedAt), 'a weight set after recovery', 90_000, 200);
  const setAfterMs = Date.now() - restartedAt;
  const stepsAfter = readLog(db).steps.length;
  await sleep(2000);
  const stepsLater = readLog(db).steps.length;

  // nothing hangs: every process stops on SIGTERM by itself
  const exits: Record<string, number | null> = {};
  for (const [name, p] of [['validator', v], ['miner1', miners[0]], ['miner2', miners[1]], ['chain', chain]] as const) {
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    const ex = await p.exited;
    clearTimeout(timer);
    exits[name] = ex.code;
  }
  const view = readLog(db);
  const failedDuring = view.weightSets.filter((w) => w.at >= killedAt && w.at < restartedAt).map((w) => w.status);
  process.stderr.write(
    `chain-outage: ${JSON.stringify({ sig, outageMs: OUTAGE_MS, stepsDuringOutage: outage.length, midSteps: midSteps.length - stepsAtKill, outageMinerStatuses: [...outageMinerStatuses], reconnectMs, setAfterMs, stepsAfter, stepsLater, failedDuring, exits, totalSteps: view.steps.length, weightSets: view.weightSets.length })}\n`,
  );
  expect(outage.length).toBeGreaterThan(20); // kept stepping while the chain was gone
  expect(midSteps.length).toBeGreaterThan(stepsAtKill);
  expect([...outageMinerStatuses]).toEqual(['ok']);
  expect(stepsLater).toBeGreaterThan(stepsAfter);
  expect(exits).toEqual({ validator: 0, miner1: 0, miner2: 0, chain: 0 });
  expect(integrityCheck(db)).toBe('ok');
  expect(view.steps).toEqual(Array.from({ length: view.steps.length }, (_, i) => i + 1));
});

/**
 * kill -9 a miner process while the validator's request to it is in flight (the miner's handler
 * prints a marker when the request starts, the test kills at that marker), three times: the
 * validator scores that query as a failure (a row with a failure status and score 0, every step
 * still has one row per uid), keeps stepping, and scores the restarted miner ok again.
 * Real processes: two `subnet miner`, one `subnet validator`; the local chain in-process.
 */
import { Cluster } from './helpers/cluster';
import { minerKillScenario } from './helpers/scenarios';

jest.setTimeout(600_000);

const c = new Cluster();
beforeAll(() => c.start(2));
afterAll(() => c.stop());

test('kill -9 a miner mid-request 3 times: failure scored, nothing dropped, the restarted miner is scored again', async () => {
  const rep = await minerKillScenario(c, 3);
  process.stderr.write(`miner-kill: ${JSON.stringify({ ...rep, rowsPerStep: rep.rowsPerStep.length, otherMinerStatuses: [...new Set(rep.otherMinerStatuses)] })}\n`);
  expect(rep.killedRows).toHaveLength(3);
  for (const r of rep.killedRows) {
    expect(['error', 'timeout']).toContain(r.status);
    expect(r.score).toBe(0);
  }
  expect(rep.recoveredAt).toHaveLength(3);
  // one row per uid in every step: nothing dropped, nothing misaligned
  expect(rep.rowsPerStep.length).toBeGreaterThan(10);
  expect(rep.rowsPerStep.every((n) => n === rep.n)).toBe(true);
  expect(rep.misaligned).toEqual([]);
  // the healthy miner kept being served while the other was down
  expect(rep.otherMinerStatuses.length).toBeGreaterThan(0);
  expect(rep.otherMinerStatuses.every((s) => s === 'ok')).toBe(true);
  expect(rep.validatorExit.code).toBe(0);
  expect(rep.integrity).toBe('ok');
});

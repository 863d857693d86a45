/**
 * The fast part of the fault-injection suite (the long runs are test/faults/*, `npm run
 * test:faults`): one miner killed with kill -9 while the validator's request is in flight, the
 * validator killed with kill -9 twice (once during start-up or its first steps, once in steady
 * state) and restarted, and the five socket-level faults against the client pool, twice each.
 * Real processes on loopback; the local chain in-process.
 */
import { Cluster } from '../faults/helpers/cluster';
import { minerKillScenario, minGap, RATE_LIMIT, socketFaultScenario, validatorKillScenario } from '../faults/helpers/scenarios';

describe('miner kill -9 mid-request', () => {
  const c = new Cluster();
  beforeAll(() => c.start(2));
  afterAll(() => c.stop());
  it('the query in flight is scored as a failure, every step keeps one row per uid, the restarted miner is scored again', async () => {
    const rep = await minerKillScenario(c, 1);
    expect(rep.killedRows).toHaveLength(1);
    expect(['error', 'timeout']).toContain(rep.killedRows[0].status);
    expect(rep.killedRows[0].score).toBe(0);
    expect(rep.recoveredAt).toHaveLength(1);
    expect(rep.rowsPerStep.every((n) => n === rep.n)).toBe(true);
    expect(rep.misaligned).toEqual([]);
    expect(rep.otherMinerStatuses.every((s) => s === 'ok')).toBe(true);
    expect(rep.validatorExit.code).toBe(0);
    expect(rep.integrity).toBe('ok');
  });
});

describe('validator kill -9 and restart', () => {
  const c = new Cluster();
  beforeAll(() => c.start(2));
  afterAll(() => c.stop());
  it('resumes from its log: nothing committed lost, integrity ok, steps and EMA continue, no double weight set', async () => {
    const rep = await validatorKillScenario(c, 2, 7, 2500);
    expect(rep.lost).toEqual([]);
    expect(rep.integrity.length).toBeGreaterThanOrEqual(2);
    expect(rep.integrity.every((s) => s === 'ok')).toBe(true);
    expect(rep.steps.length).toBeGreaterThanOrEqual(10);
    expect(rep.steps).toEqual(Array.from({ length: rep.steps.length }, (_, i) => i + 1));
    expect(rep.emaContinued.length).toBeGreaterThanOrEqual(1);
    for (const e of rep.emaContinued) expect(e).toEqual({ ...e, ok: true });
    expect(minGap(rep.chainSetBlocks)).toBeGreaterThanOrEqual(RATE_LIMIT);
    expect(minGap(rep.logSetBlocks)).toBeGreaterThanOrEqual(RATE_LIMIT);
    expect(rep.tooFast).toBe(0);
    expect(rep.finalExit.code).toBe(0);
  });
});

describe('socket-level faults against the client pool', () => {
  it('silent, dribbling, slow upgrade, closed mid-frame, cut answer: timeout/error in time, good miner served, nothing leaked', async () => {
    const rep = await socketFaultScenario(2, 1000);
    for (const c of rep.cases) {
      expect(c.requests).toBe(4);
      expect(Object.keys(c.statuses).every((s) => s === 'timeout' || s === 'error' || s === 'unreachable')).toBe(true);
      // a hang detector: the deadline is 1 s; the slack covers `npm test` running other files at once
      expect(c.maxLatencyMs).toBeLessThan(rep.timeoutMs + 4000);
    }
    expect(rep.goodStatuses).toEqual({ ok: 4 });
    expect(rep.tcpAfter).toBeLessThanOrEqual(rep.tcpBefore);
    expect(rep.fdsAfter).toBeLessThanOrEqual(rep.fdsBefore);
    expect(rep.timersAfter).toBeLessThanOrEqual(rep.timersBefore);
  });
});

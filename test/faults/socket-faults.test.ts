/**
 * Socket-level faults against the validator's client pool (validator/client), 25 rounds: a miner
 * that accepts and never answers, one that dribbles a frame byte by byte, one that dribbles the
 * HTTP upgrade answer, one that closes mid-frame, and a proxy that cuts a real miner's answer
 * frame in half. Every request returns a timeout/error result within the deadline (plus slack
 * for a loaded machine), the good miner in the same fan-out is answered, and after close()
 * the process holds no more fds, TCP handles or timers than before. Then the same bad servers as
 * registered miners of a `subnet validator` process: scored timeout/error every step, steps end
 * near the deadline, the validator's fd count does not grow.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { waitForOutput } from '../helpers/cli';
import { dribbleServer, midFrameServer, silentServer, type BadServer } from './helpers/badMiners';
import { Cluster } from './helpers/cluster';
import { fdCount, integrityCheck, readLog, startMiner, startValidator, stepQueries, waitUntil } from './helpers/procs';
import { socketFaultScenario } from './helpers/scenarios';

jest.setTimeout(600_000);

test('25 rounds of five socket faults: results within the deadline, no hang, no leaked sockets', async () => {
  const rep = await socketFaultScenario(25, 1000);
  process.stderr.write(`socket-faults: ${JSON.stringify(rep)}\n`);
  for (const c of rep.cases) {
    expect(c.requests).toBe(50);
    expect(Object.keys(c.statuses).every((s) => s === 'timeout' || s === 'error' || s === 'unreachable')).toBe(true);
    // never a hang: the pool's own deadline ends each request (slack for 2 shared cores)
    expect(c.maxLatencyMs).toBeLessThan(rep.timeoutMs + 1500);
  }
  expect(rep.goodStatuses).toEqual({ ok: 50 });
  expect(rep.tcpAfter).toBeLessThanOrEqual(rep.tcpBefore);
  expect(rep.fdsAfter).toBeLessThanOrEqual(rep.fdsBefore);
  expect(rep.timersAfter).toBeLessThanOrEqual(rep.timersBefore);
});

describe('a validator process among bad miners', () => {
  const c = new Cluster();
  const bad: BadServer[] = [];
  beforeAll(() => c.start(4));
  afterAll(async () => {
    for (const b of bad) await b.close();
    await c.stop();
  });

  it('silent, dribbling and mid-frame miners are scored timeout/error every step, steps stay within the deadline, the validator keeps no extra fds', async () => {
    c.track(await startMiner({ dev: 'm1', port: c.ports[0] }));
    bad.push(await silentServer(c.ports[1]), await dribbleServer(50, c.ports[2]), await midFrameServer(c.ports[3]));
    const db = join(c.dir, 'bad-miners.db');
    const timeoutMs = 800;
    const v = c.track(startValidator({ dev: 'dave', chainUrl: c.chain.url, db, extra: ['--timeout', String(timeoutMs)] }));
    await waitForOutput(v, /validator running/, 60_000);
    await waitUntil(() => readLog(db).steps.length >= 10, '10 steps', 60_000, 200);
    const fds10 = fdCount(v.pid!);
    await waitUntil(() => readLog(db).steps.length >= 60, '60 steps', 120_000, 200);
    const fds60 = fdCount(v.pid!);
    v.kill('SIGTERM');
    const ex = await v.exited;
    const steps = readLog(db).steps;
    const byUid: Record<number, Record<string, number>> = {};
    let misaligned = 0;
    for (const s of steps) {
      const rows = stepQueries(db, s);
      if (rows.map((q) => q.uid).join(',') !== '0,2,3,4,5') misaligned++;
      for (const q of rows) {
        byUid[q.uid] ??= {};
        byUid[q.uid][q.status] = (byUid[q.uid][q.status] ?? 0) + 1;
        if (q.uid >= 3 && q.score !== 0) misaligned++;
      }
    }
    const d = new Database(db, { readonly: true });
    const maxStepMs = (d.prepare('SELECT MAX(duration_ms) AS m FROM steps').get() as { m: number }).m;
    d.close();
    process.stderr.write(`validator-among-bad-miners: ${JSON.stringify({ steps: steps.length, byUid, maxStepMs: Math.round(maxStepMs), fds10, fds60, exit: ex.code, accepted: bad.map((b) => [b.kind, b.accepted]) })}\n`);
    expect(misaligned).toBe(0);
    expect(byUid[2]).toEqual({ ok: steps.length });
    for (const uid of [3, 4, 5]) expect(Object.keys(byUid[uid]).every((s) => s === 'timeout' || s === 'error')).toBe(true);
    // a step never waits much past its deadline (a hang detector, slack for 2 shared cores)
    expect(maxStepMs).toBeLessThan(timeoutMs + 2000);
    // no fd growth while reconnecting to bad miners for 50 steps
    expect(fds60).toBeLessThanOrEqual(fds10 + 3);
    expect(ex.code).toBe(0);
    expect(integrityCheck(db)).toBe('ok');
  });
});

/**
 * Socket-level faults against the validator's client pool (validator/client), 25 rounds: a miner
 * that accepts and never answers, one that dribbles a frame byte by byte, one that dribbles the
 * HTTP upgrade answer, one that closes mid-frame, and a proxy that cuts a real miner's answer
 * frame in half. Every request returns a timeout/error result within the deadline (plus slack
 * for a loaded machine), the good miner in the same fan-out is answered, and after close()
 * the process holds no more fds, TCP handles or timers than before.
 */
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

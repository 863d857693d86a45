/**
 * kill -9 the validator process at 20 seeded random moments (from 0.3 s to 4.3 s after its spawn:
 * start-up, steps, weight sets, epoch handling), restarting it after each kill. After every kill:
 * `PRAGMA integrity_check` = ok and every row read as committed just before the kill is still there.
 * At the end: steps are 1..N without gap or repeat, each restart's first step continues the EMA
 * committed before the kill, and the chain itself (LastUpdate of the validator's uid, watched on
 * every block) never applied two weight sets closer than WeightsSetRateLimit; the log has no
 * SettingWeightsTooFast rejection.
 */
import { Cluster } from './helpers/cluster';
import { minGap, RATE_LIMIT, validatorKillScenario } from './helpers/scenarios';

jest.setTimeout(900_000);

const SEED = Number(process.env.FAULT_SEED ?? 20261125);
const c = new Cluster();
beforeAll(() => c.start(2));
afterAll(() => c.stop());

test(`kill -9 the validator 20 times at random moments (seed ${SEED}): resumes, loses nothing, never sets weights twice within the rate limit`, async () => {
  const rep = await validatorKillScenario(c, 20, SEED, 4000);
  process.stderr.write(`validator-kill: ${JSON.stringify({ ...rep, steps: `1..${rep.steps.length}` })}\n`);
  expect(rep.lost).toEqual([]);
  expect(rep.integrity.every((s) => s === 'ok')).toBe(true);
  expect(rep.integrity.length).toBeGreaterThanOrEqual(15);
  expect(rep.steps.length).toBeGreaterThan(20);
  expect(rep.steps).toEqual(Array.from({ length: rep.steps.length }, (_, i) => i + 1));
  expect(rep.emaContinued.length).toBeGreaterThanOrEqual(5);
  for (const e of rep.emaContinued) expect(e).toEqual({ ...e, ok: true });
  expect(rep.chainSetBlocks.length).toBeGreaterThanOrEqual(2);
  expect(minGap(rep.chainSetBlocks)).toBeGreaterThanOrEqual(RATE_LIMIT);
  expect(minGap(rep.logSetBlocks)).toBeGreaterThanOrEqual(RATE_LIMIT);
  expect(rep.tooFast).toBe(0);
  expect(rep.finalExit.code).toBe(0);
});

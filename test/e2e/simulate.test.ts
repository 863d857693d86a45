/** `subnet simulate` as a real process: the acceptance contract and bad input. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import { runCli } from '../helpers/cli';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simulate-e2e-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function scenarioFile(name: string, obj: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return f;
}

const acceptance = { name: 'acc', kind: 'collusion', validators: 10, miners: 20, epochs: 10, kappa: 0.5, yuma3: false, colluding_stake: [0, 0.25, 0.45, 0.55, 0.75, 1], seed: 3 };

describe('subnet simulate FILE --json (acceptance)', () => {
  it('prints, last, one JSON object with exactly {scenario, points:[{colluding_stake, cheater_incentive_share}]}', async () => {
    const r = await runCli(['simulate', scenarioFile('acc.json', acceptance), '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]) as { scenario: string; points: { colluding_stake: number; cheater_incentive_share: number }[] };
    expect(Object.keys(out).sort()).toEqual(['points', 'scenario']);
    expect(out.scenario).toBe('acc');
    expect(out.points.map((p) => p.colluding_stake)).toEqual(acceptance.colluding_stake);
    for (const p of out.points) expect(Object.keys(p).sort()).toEqual(['cheater_incentive_share', 'colluding_stake']);
    const share = out.points.map((p) => p.cheater_incentive_share);
    expect(share[0]).toBe(0);
    expect(share[1]).toBeLessThan(0.01);
    expect(share[2]).toBeLessThan(0.01);
    expect(share[3]).toBeGreaterThan(0.99);
    expect(share[5]).toBe(1);
  });

  it('kappa as u16 gives the same result as the equivalent fraction', async () => {
    const a = await runCli(['simulate', scenarioFile('k1.json', { ...acceptance, kappa: 0.5 }), '--json']);
    const b = await runCli(['simulate', scenarioFile('k2.json', { ...acceptance, kappa: 32767 }), '--json']);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('the shipped examples run (acceptance form and the other kinds)', async () => {
    const ex = join(packageRoot(), 'examples', 'scenarios');
    const c = await runCli(['simulate', join(ex, 'collusion.json'), '--json']);
    expect(c.code).toBe(0);
    const o = JSON.parse(c.stdout.trim().split('\n').pop()!) as { points: unknown[] };
    expect(o.points.length).toBeGreaterThan(5);
    for (const k of ['weight-copying', 'inactive', 'flipping']) {
      const r = await runCli(['simulate', join(ex, `${k}.json`), '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { kind: string };
      expect(j.kind).toBe(k);
    }
  });

  it('without --json prints a readable table; --report writes a self-contained page', async () => {
    const html = join(dir, 'r.html');
    const r = await runCli(['simulate', scenarioFile('t.json', acceptance), '--report', html]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('colluding stake');
    expect(r.stdout).toContain('cheater takes over');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page.replace(/xmlns(:\w+)?="https?:\/\/[^"]*"/g, '')).not.toMatch(/https?:\/\//);
  });
});

describe('subnet simulate: bad input -> one line, non-zero exit', () => {
  const cases: [string, string | Record<string, unknown>, RegExp][] = [
    ['unknown kind', { ...acceptance, kind: 'sybil' }, /"kind"/],
    ['missing field', { ...acceptance, epochs: undefined }, /"epochs".*missing/],
    ['fraction outside [0,1]', { ...acceptance, colluding_stake: [0.5, 1.5] }, /colluding_stake\[1\]/],
    ['validators < 1', { ...acceptance, validators: 0 }, /"validators"/],
    ['kappa out of range', { ...acceptance, kappa: 99999 }, /"kappa"/],
    ['not JSON', '{"name": "x",', /not valid JSON/],
  ];
  it.each(cases)('%s', async (_n, content, re) => {
    const r = await runCli(['simulate', scenarioFile(`bad-${_n.replace(/\W+/g, '_')}.json`, content)]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
  });

  it('missing file', async () => {
    const r = await runCli(['simulate', join(dir, 'nope.json'), '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no such file/);
  });

  it('unwritable report path', async () => {
    const r = await runCli(['simulate', scenarioFile('ok.json', { ...acceptance, epochs: 2 }), '--report', join(dir, 'no', 'such', 'dir', 'r.html')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot write report/);
  });
});

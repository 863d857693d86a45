/**
 * The miner as a real process (`subnet miner --no-chain --dev`) and the client pool over loopback:
 * answers, typed errors for bad inputs, wrong hotkeys, kill -9 mid-request, slow miner timeouts
 * without leaked handles, SIGTERM drain, and the `subnet query` CLI contract.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { devKeypair, keysReady } from '../../shared/keys';
import { generateInputs } from '../../shared/model';
import { protocolReady, tensorFrom, verifyProof, Status } from '../../shared/protocol';
import { ClientPool, type QueryResult } from '../../validator/client';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli';

jest.setTimeout(60_000);

const READY = /miner listening on (ws:\/\/\S+) hotkey=(\S+)/;
let dir: string;
const children: ChildProcess[] = [];

async function startMiner(extra: string[] = []): Promise<{ child: ChildProcess; url: string; hotkey: string }> {
  const child = spawnCli(['miner', '--no-chain', '--dev', '--axon.ip', '127.0.0.1', '--axon.port', '0', '--log-level', 'warn', ...extra]);
  children.push(child);
  const line = await waitForOutput(child, READY, 30_000);
  const m = line.match(READY) as RegExpMatchArray;
  return { child, url: m[1], hotkey: m[2] };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
  dir = mkdtempSync(join(tmpdir(), 'miner-e2e-'));
  // a slow handler: echoes after `meta.sleepMs` (default 2000 ms), honouring the abort signal
  writeFileSync(
    join(dir, 'slow.js'),
    `exports.synapses = ['infer'];
exports.forward = (req, ctx) => new Promise((resolve, reject) => {
  const ms = typeof req.meta.sleepMs === 'number' ? req.meta.sleepMs : 2000;
  const t = setTimeout(() => resolve({ tensors: req.tensors, meta: { slept: ms } }), ms);
  ctx.signal.addEventListener('abort', () => { clearTimeout(t); reject(ctx.signal.reason); }, { once: true });
});\n`,
  );
});

afterAll(async () => {
  await Promise.all(children.map((c) => stopChild(c, 3000)));
  rmSync(dir, { recursive: true, force: true });
});

describe('default model miner', () => {
  let miner: { child: ChildProcess; url: string; hotkey: string };
  let pool: ClientPool;
  beforeAll(async () => {
    miner = await startMiner(['--axon.rate_limit', '0']);
    pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 5000 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('answers with the model output and a proof a third party can verify', async () => {
    const target = { endpoint: miner.url, hotkey: miner.hotkey };
    const req = { synapse: 'infer', tensors: generateInputs(7, 3) };
    const [r] = await pool.query([target], req, { timeoutMs: 5000 });
    expect(r.status).toBe('ok');
    expect(r.code).toBe(Status.ok);
    expect(r.hotkey).toBe(devKeypair('bob').address);
    expect(r.outputs?.y.dtype).toBe('float32');
    expect(r.outputs?.y.shape).toEqual([3, 16]);
    expect(r.proof).not.toBeNull();
    const response = { id: 0, status: r.code as number, body: { tensors: r.outputs!, meta: r.meta ?? {} } };
    // the id is part of what was signed (the result says which it was)
    const id = r.requestId!;
    expect(verifyProof(r.proof!, { ...response, id }, { id, synapse: 'infer', body: { tensors: req.tensors, meta: {} } })).toEqual({ ok: true });
    expect(verifyProof(r.proof!, { ...response, id: id + 1 }).ok).toBe(false);
    expect(verifyProof(r.proof!, { ...response, id }, { id, synapse: 'other', body: { tensors: req.tensors, meta: {} } })).toEqual({ ok: false, reason: 'request_mismatch' });
    // a different output is not covered by that proof
    const forged = { ...response, id: 1, body: { tensors: { y: tensorFrom('float32', [3, 16], new Float32Array(48)) }, meta: {} } };
    expect(verifyProof(r.proof!, forged).ok).toBe(false);
  });

  const bad: [string, () => Record<string, import('../../shared/model/interface').TensorData>, string][] = [
    ['wrong inner dim', () => ({ x: tensorFrom('float32', [1, 31], new Float32Array(31)) }), 'MODEL_BAD_SHAPE'],
    ['wrong rank', () => ({ x: tensorFrom('float32', [32], new Float32Array(32)) }), 'MODEL_BAD_SHAPE'],
    ['wrong dtype', () => ({ x: tensorFrom('float64', [1, 32], new Float64Array(32)) }), 'MODEL_BAD_DTYPE'],
    ['NaN input', () => ({ x: tensorFrom('float32', [1, 32], new Float32Array(32).fill(NaN)) }), 'MODEL_NAN'],
    ['unknown input name', () => ({ z: tensorFrom('float32', [1, 32], new Float32Array(32)) }), 'MODEL_BAD_INPUT_NAME'],
    ['no inputs at all', () => ({}), 'MODEL_MISSING_INPUT'],
    ['batch above the limit', () => ({ x: tensorFrom('float32', [5000, 32], new Float32Array(5000 * 32)) }), 'MODEL_BATCH_TOO_LARGE'],
  ];
  it.each(bad)('%s → invalid_input with a typed error', async (_name, make, code) => {
    const r = await pool.request({ endpoint: miner.url }, { synapse: 'infer', tensors: make() });
    expect(r.status).toBe('invalid_input');
    expect(r.code).toBe(Status.invalid_input);
    expect(r.error?.code).toBe(code);
    // errors are signed too
    expect(r.proof).not.toBeNull();
  });

  it('unknown synapse → unknown_synapse', async () => {
    const r = await pool.request({ endpoint: miner.url }, { synapse: 'nope', tensors: generateInputs(1, 1) });
    expect(r.status).toBe('unknown_synapse');
    expect(r.error?.code).toBe('unknown_synapse');
  });

  it('a miner proving another hotkey than the metagraph says is an error result', async () => {
    const r = await pool.request({ endpoint: miner.url, hotkey: devKeypair('charlie').address }, { synapse: 'infer', tensors: generateInputs(1, 1) });
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('protocol.wrong_hotkey');
    expect(r.outputs).toBeUndefined();
  });

  it('results stay aligned with targets, dead endpoints included', async () => {
    const targets = [{ endpoint: miner.url }, { endpoint: 'ws://127.0.0.1:1' }, { endpoint: miner.url, hotkey: miner.hotkey }, { endpoint: 'ws://127.0.0.1:1' }];
    const rs = await pool.query(targets, { synapse: 'infer', tensors: generateInputs(2, 1) }, { timeoutMs: 3000 });
    expect(rs.map((r) => r.status)).toEqual(['ok', 'unreachable', 'ok', 'unreachable']);
    rs.forEach((r, i) => expect(r.target).toBe(targets[i]));
  });

  it('`subnet query --random --dev` prints one JSON object with status ok', async () => {
    const out = await runCli(['query', miner.url, '--random', '--dev'], { timeoutMs: 30_000 });
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(j.status).toBe('ok');
    expect(j.miner_hotkey).toBe(miner.hotkey);
    expect(j.proof_ok).toBe(true);
    expect((j.outputs as Record<string, { shape: number[] }>).y.shape).toEqual([1, 16]);
  });

  it('`subnet query --input` with a wrong shape prints status invalid_input and exits 1', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ tensors: { x: { dtype: 'float32', shape: [1, 3], data: [1, 2, 3] } } }));
    const out = await runCli(['query', miner.url, '--input', f, '--dev'], { timeoutMs: 30_000 });
    expect(out.code).toBe(1);
    const j = JSON.parse(out.stdout) as { status: string; error: { code: string } };
    expect(j.status).toBe('invalid_input');
    expect(j.error.code).toBe('MODEL_BAD_SHAPE');
  });

  it('`subnet query` to a closed port prints status unreachable', async () => {
    const out = await runCli(['query', 'ws://127.0.0.1:1', '--random', '--dev'], { timeoutMs: 30_000 });
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as { status: string }).status).toBe('unreachable');
  });

  it('`subnet query` usage errors exit 2 with one line', async () => {
    const a = await runCli(['query', 'ws://127.0.0.1:1'], { timeoutMs: 30_000 });
    expect(a.code).toBe(2);
    const b = await runCli(['query', 'http://x', '--random'], { timeoutMs: 30_000 });
    expect(b.code).toBe(2);
    const f = join(dir, 'notjson.json');
    writeFileSync(f, '{nope');
    const c = await runCli(['query', 'ws://127.0.0.1:1', '--input', f], { timeoutMs: 30_000 });
    expect(c.code).toBe(2);
  });
});

describe('miner start-up errors are one clear line', () => {
  const rows: [string, string[], number, RegExp][] = [
    ['bad port', ['--axon.port', 'abc'], 2, /--axon.port must be a number/],
    ['dev and wallet together', ['--wallet.name', 'x'], 2, /either --dev or --wallet/],
    ['missing model file', ['--model', '/nonexistent/model.onnx'], 1, /MODEL_LOAD_FAILED/],
    ['handler without forward', ['--handler', '__EMPTY__'], 1, /handler.load_failed/],
    ['dev key with a remote chain', ['--chain', 'ws://10.1.2.3:9944'], 2, /local chains only/],
  ];
  it.each(rows)('%s', async (_n, args, code, re) => {
    const empty = join(dir, 'empty.js');
    writeFileSync(empty, 'module.exports = {};\n');
    const noChain = args.includes('--chain') ? [] : ['--no-chain'];
    const out = await runCli(['miner', ...noChain, '--dev', '--axon.ip', '127.0.0.1', '--axon.port', '0', ...args.map((a) => (a === '__EMPTY__' ? empty : a))], { timeoutMs: 30_000 });
    expect(out.code).toBe(code);
    expect(out.stderr).toMatch(re);
    expect(out.stderr.trim().split('\n').filter((l) => l.startsWith('subnet:'))).toHaveLength(1);
  });
});

describe('slow and dying miners', () => {
  it('a slow miner gives a timeout result, and the pool leaks no socket or timer', async () => {
    const m = await startMiner(['--handler', join(dir, 'slow.js')]);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
    const pool = new ClientPool({ keypair: devKeypair('alice') });
    const t0 = Date.now();
    const [r] = await pool.query([{ endpoint: m.url }], { synapse: 'infer', tensors: generateInputs(1, 1), meta: { sleepMs: 5000 } }, { timeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(10_000); // not a hang (the deadline is 400 ms)
    expect(r.status).toBe('timeout');
    expect(r.error?.code).toBe('client_timeout');
    await pool.close();
    // a leak stays; a socket or timer of this process that is merely closing goes within moments
    const count = () => process.getActiveResourcesInfo().filter((x) => x === 'TCPSocketWrap' || x === 'Timeout').length;
    let after = count();
    for (let i = 0; i < 40 && after > before; i++) {
      await new Promise((res) => setTimeout(res, 50));
      after = count();
    }
    expect(after).toBeLessThanOrEqual(before);
    await stopChild(m.child);
  });

  it('an AbortSignal ends a request at once with status aborted', async () => {
    const m = await startMiner(['--handler', join(dir, 'slow.js')]);
    const pool = new ClientPool({ keypair: devKeypair('alice') });
    const ac = new AbortController();
    const p = pool.query([{ endpoint: m.url }, { endpoint: m.url }], { synapse: 'infer', tensors: generateInputs(1, 1) }, { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const rs = await p;
    expect(rs.map((r) => r.status)).toEqual(['aborted', 'aborted']);
    await pool.close();
    await stopChild(m.child);
  });

  it('kill -9 mid-request gives an error result, not a hang', async () => {
    const m = await startMiner(['--handler', join(dir, 'slow.js')]);
    const pool = new ClientPool({ keypair: devKeypair('alice') });
    const p = pool.query([{ endpoint: m.url }], { synapse: 'infer', tensors: generateInputs(1, 1), meta: { sleepMs: 10_000 } }, { timeoutMs: 20_000 });
    await new Promise((res) => setTimeout(res, 500));
    m.child.kill('SIGKILL');
    const t0 = Date.now();
    const [r]: QueryResult[] = await p;
    expect(Date.now() - t0).toBeLessThan(10_000); // not a hang (the request deadline is 20 s)
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('connection_closed');
    // the next query to the dead miner is unreachable (and then backed off), never a hang
    const [r2] = await pool.query([{ endpoint: m.url }], { synapse: 'infer', tensors: generateInputs(1, 1) }, { timeoutMs: 2000 });
    expect(r2.status).toBe('unreachable');
    await pool.close();
  });

  it('SIGTERM drains in-flight requests, then the miner exits 0', async () => {
    const m = await startMiner(['--handler', join(dir, 'slow.js')]);
    const pool = new ClientPool({ keypair: devKeypair('alice') });
    const p = pool.query([{ endpoint: m.url }, { endpoint: m.url }], { synapse: 'infer', tensors: generateInputs(1, 1), meta: { sleepMs: 800 } }, { timeoutMs: 10_000 });
    await new Promise((res) => setTimeout(res, 300));
    const exit = exited(m.child);
    m.child.kill('SIGTERM');
    const rs = await p;
    expect(rs.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(rs.every((r) => r.proof !== null)).toBe(true);
    expect(await exit).toEqual({ code: 0, signal: null });
    await pool.close();
  });

  it('--trace FILE writes the timeline of frames and model runs when the miner stops', async () => {
    const file = join(dir, 'trace.json');
    const m = await startMiner(['--trace', file]);
    const pool = new ClientPool({ keypair: devKeypair('alice') });
    const rs = await Promise.all(Array.from({ length: 8 }, () => pool.request({ endpoint: m.url }, { synapse: 'infer', tensors: generateInputs(1, 1) })));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    await pool.close();
    const exit = exited(m.child);
    m.child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    const { events, dropped } = JSON.parse(readFileSync(file, 'utf8')) as { events: { t: number; side: string; what: string; n: number; bytes: number }[]; dropped: number };
    expect(dropped).toBe(0);
    expect(new Set(events.map((e) => e.side))).toEqual(new Set(['miner']));
    const what = new Set(events.map((e) => e.what));
    for (const w of ['recv', 'send', 'run', 'ran']) expect(what.has(w)).toBe(true);
    // every request ran in some model run, every answer left in some frame (plus the welcome and proofs)
    expect(events.filter((e) => e.what === 'run').reduce((a, e) => a + e.n, 0)).toBe(8);
    expect(events.filter((e) => e.what === 'send').reduce((a, e) => a + e.n, 0)).toBeGreaterThanOrEqual(8);
    expect(events.every((e, i) => i === 0 || e.t >= events[i - 1].t)).toBe(true);
  });
});

/**
 * `subnet bench miner [--json] [--quick] [rounds=N] [long] [requests=N] [seconds=S]`
 *
 * One run on loopback with the default model, each server in its own process (the client in
 * this one), so client and server each have a core. Every measurement first runs its own load
 * (ORT's loop, the echo's or the stack's 64 in flight) for `warmup_ms` (1 s quick, 2 s full) and is
 * timed after it: JIT, caches and heap are warm for all three alike (before session 4 only the
 * stack had a warm-up, of 200 requests one by one, and the quick figures were mostly warm-up):
 *   raw_ort_rps        session.run alone, batch 1 (shared/model measureRawOrtRps), sequential
 *   raw_ws_rps         a bare ws server answering each message with a message of the size of a
 *                      miner response; the client sends request-sized messages, 64 in flight
 *   miner_rps          the whole stack: `subnet miner --no-chain --dev` (handshake, AES-GCM frames,
 *                      codec, policy, queue, model, signed proofs) and our ClientPool (verifies
 *                      every proof batch); one connection, 64 in flight. The client pipelines
 *                      (proofs 'later'): a request counts at its answer, its proof is checked when
 *                      it arrives, and the phase ends only once every answer's proof has arrived
 *                      and verified — `proofs_missing` counts those that did not, and proof
 *                      signing and checking are inside the CPU figures
 *   miner_batched_rps  the same with --batch (micro-batching)
 *   p50_ms, p99_ms     answer latency in the miner_rps phase (client side)
 *   rss_*              miner process RSS before/after the load
 *   *_cpu_us_per_req   CPU time (user + system) per answered request: the miner process (/proc,
 *                      10 ms ticks) and the client (this process, process.cpuUsage()); the
 *                      raw_ws_*_cpu_us_per_msg pair is the same for the bare echo
 * rounds=N (default 3, 1 with --quick) repeats the four measurements N times, interleaved, and
 * reports medians: the rps keys are medians, each ratio is the median of the per-round ratios (a
 * round's four measurements are taken within a minute, so machine drift mostly cancels), the CPU
 * keys are medians, p50/p99 pool every round's latencies; `per_round` lists each round. The RSS
 * keys and the message sizes are the first round's.
 * `long` (or requests=N) runs N requests (default 1,000,000) through one miner and samples its RSS.
 * `trace` adds a 3 s run with both sides traced (shared/trace.ts: frames received and sent, model
 * runs) and prints where the time goes between them: `trace.steps` (consecutive events of the
 * merged timeline, by total time) and `trace.long_gaps` (each side's gaps of 300 µs or more).
 * The miner runs with --axon.rate_limit 0 (the per-hotkey rate limit would otherwise be measured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WebSocket } from 'ws';
import { percentile, type BenchModule, type BenchOptions } from './harness';
import { packageRoot } from '../shared/paths';
import type { QueryResult } from '../validator/client';
import { recordTrace, summarizeTrace, type TraceEvent, type TraceSummary } from '../shared/trace';

const IN_FLIGHT = 64;

function rssOf(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)\s+kB/);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

/** CPU time (user + system) of another process, µs, from /proc (clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/** CPU time of this process, µs. */
function cpuSelf(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function waitLine(child: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) {
        clearTimeout(t);
        child.stderr?.off('data', on);
        child.stdout?.off('data', on);
        resolve(m);
      }
    };
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf}`)), timeoutMs);
    child.stderr?.on('data', on);
    child.stdout?.on('data', on);
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before ${re}: ${buf}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const ECHO_SERVER = `
const { WebSocketServer } = require(process.argv[1]);
const size = Number(process.argv[2]);
const reply = Buffer.alloc(size, 7);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => process.stderr.write('echo listening ' + wss.address().port + '\\n'));
wss.on('connection', (ws) => ws.on('message', () => ws.send(reply)));
process.on('SIGTERM', () => process.exit(0));
`;

async function rawWs(durationMs: number, reqBytes: number, resBytes: number, warmupMs: number): Promise<{ rps: number; serverCpuUs: number; clientCpuUs: number }> {
  const child = spawn(process.execPath, ['-e', ECHO_SERVER, require.resolve('ws'), String(resBytes)], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const m = await waitLine(child, /echo listening (\d+)/);
    const ws = new WebSocket(`ws://127.0.0.1:${m[1]}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const payload = Buffer.alloc(reqBytes, 3);
    /** 64 messages in flight for `ms`; resolves with the messages answered once all are back */
    const echo = (ms: number): Promise<number> =>
      new Promise<number>((resolve) => {
        const stopAt = performance.now() + ms;
        let done = 0;
        let outstanding = 0;
        const on = (): void => {
          done++;
          outstanding--;
          if (performance.now() < stopAt) {
            ws.send(payload);
            outstanding++;
          } else if (outstanding === 0) {
            ws.off('message', on);
            resolve(done);
          }
        };
        ws.on('message', on);
        for (let i = 0; i < IN_FLIGHT; i++) {
          ws.send(payload);
          outstanding++;
        }
      });
    await echo(warmupMs);
    const c0 = cpuSelf();
    const s0 = cpuOf(child.pid as number);
    const t0 = performance.now();
    const done = await echo(durationMs);
    const rps = done / ((performance.now() - t0) / 1000);
    const serverCpuUs = (cpuOf(child.pid as number) - s0) / done;
    const clientCpuUs = (cpuSelf() - c0) / done;
    ws.close();
    return { rps, serverCpuUs, clientCpuUs };
  } finally {
    await stop(child);
  }
}

interface Round {
  ort: number;
  raw: { rps: number; serverCpuUs: number; clientCpuUs: number };
  plain: MinerRun;
  batched: MinerRun;
}

/** median of a non-empty list (the mean of the middle two for an even count) */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface MinerRun {
  rps: number;
  ok: number;
  errors: Record<string, number>;
  latencies: number[];
  rssBefore: number;
  rssAfter: number;
  rssSamples: { requests: number; rss_mb: number }[];
  proofsMissing: number;
  /** distinct signed roots seen by the client */
  proofBatches: number;
  reqBytes: number;
  resBytes: number;
  /** CPU µs per answered request, miner process / client (this) process */
  minerCpuUs: number;
  clientCpuUs: number;
  trace?: TraceSummary;
}

async function minerRun(opts: { durationMs?: number; requests?: number; batch: boolean; log: (l: string) => void; sampleEveryMs?: number; trace?: boolean; warmupMs: number }): Promise<MinerRun> {
  const cli = join(packageRoot(), 'dist', 'cli', 'index.js');
  const args = [cli, 'miner', '--no-chain', '--dev', '--axon.ip', '127.0.0.1', '--axon.port', '0', '--axon.rate_limit', '0', '--log-level', 'warn'];
  if (opts.batch) args.push('--batch');
  const traceFile = opts.trace ? join(mkdtempSync(join(tmpdir(), 'subnet-trace-')), 'miner.json') : undefined;
  if (traceFile) args.push('--trace', traceFile);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const [{ keysReady, devKeypair }, { protocolReady, encodeMessage, DATA_OVERHEAD }, { ClientPool }, { generateInputs }] = await Promise.all([
    import('../shared/keys'),
    import('../shared/protocol'),
    import('../validator/client'),
    import('../shared/model'),
  ]);
  try {
    await Promise.all([keysReady(), protocolReady()]);
    const m = await waitLine(child, /miner listening on (ws:\/\/\S+) hotkey=(\S+)/);
    const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 10_000 });
    const target = { endpoint: m[1], hotkey: m[2] };
    const input = generateInputs(1, 1);
    const req = { synapse: 'infer', tensors: input };
    // warm up (connection, JIT, model): a few requests one by one, then the measured load itself
    // (64 in flight, proofs 'later') for warmupMs, until every proof of it is in
    for (let i = 0; i < 200; i++) await pool.request(target, req);
    const warmEnd = performance.now() + opts.warmupMs;
    const warmProofs: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < warmEnd) {
          const r = await pool.request(target, req, { proofs: 'later' });
          if (r.proofSettled) warmProofs.push(r.proofSettled);
        }
      }),
    );
    await Promise.all(warmProofs);
    await new Promise((r) => setTimeout(r, 200));
    const first = await pool.request(target, req);
    const reqBytes = encodeMessage({ t: 'request', id: 1, synapse: 'infer', timeoutMs: 10_000, body: { tensors: input, meta: {} } }).length + DATA_OVERHEAD;
    const resBytes = first.outputs
      ? encodeMessage({ t: 'response', id: 1, status: 200, body: { tensors: first.outputs, meta: {} } }).length + DATA_OVERHEAD
      : 200;
    const rssBefore = rssOf(child.pid as number);
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    const rssSamples: { requests: number; rss_mb: number }[] = [];
    let ok = 0;
    let started = 0;
    let proofsMissing = 0;
    let proofsPending = 0;
    const roots = new Set<string>();
    const onProof = (r: QueryResult) => {
      proofsPending--;
      if (r.proof) roots.add(r.proof.root);
      else proofsMissing++;
    };
    const clientTrace = opts.trace ? recordTrace() : undefined;
    const m0 = cpuOf(child.pid as number);
    const c0 = cpuSelf();
    const t0 = performance.now();
    const stopAt = opts.durationMs !== undefined ? t0 + opts.durationMs : Infinity;
    const maxReq = opts.requests ?? Infinity;
    let lastSample = t0;
    const keepLatency = opts.requests === undefined || opts.requests <= 200_000;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < stopAt && started < maxReq) {
          started++;
          const r = await pool.request(target, req, { proofs: 'later' });
          if (r.status === 'ok') {
            ok++;
            if (keepLatency) latencies.push(r.latencyMs);
            if (r.proofSettled) {
              proofsPending++;
              void r.proofSettled.then(() => onProof(r));
            } else if (!r.proof) proofsMissing++;
          } else errors[r.status] = (errors[r.status] ?? 0) + 1;
          const now = performance.now();
          if (opts.sampleEveryMs && now - lastSample >= opts.sampleEveryMs) {
            lastSample = now;
            const rss = rssOf(child.pid as number);
            rssSamples.push({ requests: ok, rss_mb: mb(rss) });
            opts.log(`  ${ok} requests, ${Math.round(ok / ((now - t0) / 1000))} rps, miner rss ${mb(rss)} MB`);
          }
        }
      }),
    );
    // the answers are in; the phase ends when their proofs are too
    const proofDeadline = performance.now() + 10_000;
    while (proofsPending > 0 && performance.now() < proofDeadline) await new Promise((r) => setTimeout(r, 1));
    proofsMissing += proofsPending;
    const elapsed = (performance.now() - t0) / 1000;
    const minerCpuUs = (cpuOf(child.pid as number) - m0) / Math.max(1, ok);
    const clientCpuUs = (cpuSelf() - c0) / Math.max(1, ok);
    const rssAfter = rssOf(child.pid as number);
    const clientEvents = clientTrace?.stop();
    await pool.close();
    const run: MinerRun = { rps: ok / elapsed, ok, errors, latencies, rssBefore, rssAfter, rssSamples, proofsMissing, proofBatches: roots.size, reqBytes, resBytes, minerCpuUs, clientCpuUs };
    if (traceFile && clientEvents) {
      await stop(child); // the miner writes its side when it stops
      const minerEvents = (JSON.parse(readFileSync(traceFile, 'utf8')) as { events: TraceEvent[] }).events;
      // the load phase only (the warm-up is traced too)
      const from = clientEvents.length > 0 ? clientEvents[0].t : 0;
      run.trace = summarizeTrace([...clientEvents, ...minerEvents.filter((e) => e.t >= from)]);
      rmSync(dirname(traceFile), { recursive: true, force: true });
    }
    return run;
  } finally {
    await stop(child);
  }
}

export const bench: BenchModule = {
  name: 'miner',
  description: 'wire + miner throughput on loopback: raw onnxruntime, raw ws, whole stack, micro-batched (64 in flight)',
  async run(o: BenchOptions): Promise<Record<string, unknown>> {
    const argMap = new Map(o.args.map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
    const long = argMap.has('long') || argMap.has('requests');
    const phaseMs = o.quick ? 1500 : 5000;
    // every measurement runs its own load for this long first and is timed after it (JIT, caches, heap)
    const warmupMs = o.quick ? 1000 : 2000;
    const { measureRawOrtRps } = await import('../shared/model');
    const round = (x: number) => Math.round(x);

    // the machine's speed drifts (the same code measured 31k–69k answers/s within an hour), so a
    // full run interleaves the four measurements over `rounds` rounds and reports medians: each
    // ratio is the median of the per-round ratios (a round's measurements are minutes apart at most)
    const rounds = Number(argMap.get('rounds') ?? (o.quick ? 1 : 3));
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`rounds=N: N must be an integer from 1 to 100, got ${argMap.get('rounds')}`);
    const per: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const tag = rounds > 1 ? `round ${i + 1}/${rounds}: ` : '';
      o.log(`${tag}raw onnxruntime (session.run, batch 1)…`);
      const ort = await measureRawOrtRps({ durationMs: phaseMs, batch: 1, inFlight: 1, warmupMs });
      o.log(`  raw_ort_rps ${round(ort.rps)}`);

      o.log(`${tag}whole stack (subnet miner, one connection, 64 in flight)…`);
      const plain = await minerRun({ durationMs: phaseMs, batch: false, log: o.log, warmupMs });
      o.log(`  miner_rps ${round(plain.rps)} errors ${JSON.stringify(plain.errors)} cpu µs/req miner ${plain.minerCpuUs.toFixed(1)} client ${plain.clientCpuUs.toFixed(1)}`);

      o.log(`${tag}raw ws (request ${plain.reqBytes} B, reply ${plain.resBytes} B, 64 in flight)…`);
      const raw = await rawWs(phaseMs, plain.reqBytes, plain.resBytes, warmupMs);
      o.log(`  raw_ws_rps ${round(raw.rps)}`);

      o.log(`${tag}whole stack with --batch…`);
      const batched = await minerRun({ durationMs: phaseMs, batch: true, log: o.log, warmupMs });
      o.log(`  miner_batched_rps ${round(batched.rps)} errors ${JSON.stringify(batched.errors)} cpu µs/req miner ${batched.minerCpuUs.toFixed(1)} client ${batched.clientCpuUs.toFixed(1)}`);
      per.push({ ort: ort.rps, raw, plain, batched });
    }
    const med = (f: (r: Round) => number): number => median(per.map(f));
    const ortRps = med((r) => r.ort);
    const ws = med((r) => r.raw.rps);
    const plainRps = med((r) => r.plain.rps);
    const batchedRps = med((r) => r.batched.rps);
    const ratioOf = (r: Round) => r.plain.rps / Math.min(r.raw.rps, r.ort);
    const batchedRatioOf = (r: Round) => r.batched.rps / r.ort;
    const sum = (f: (r: Round) => number): number => per.reduce((a, r) => a + f(r), 0);
    const addErrors = (f: (r: Round) => Record<string, number>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const r of per) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    // request/response sizes and the RSS pair: the first round's miners
    const plain = per[0].plain;
    const batched = per[0].batched;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const r1 = (x: number) => Math.round(x * 10) / 10;

    const lat = per.flatMap((r) => r.plain.latencies).sort((a, b) => a - b);
    const result: Record<string, unknown> = {
      raw_ort_rps: round(ortRps),
      raw_ws_rps: round(ws),
      miner_rps: round(plainRps),
      miner_batched_rps: round(batchedRps),
      p50_ms: r3(percentile(lat, 50)),
      p99_ms: r3(percentile(lat, 99)),
      ratio_vs_min_raw: r3(med(ratioOf)),
      batched_vs_raw_ort: r3(med(batchedRatioOf)),
      miner_cpu_us_per_req: r1(med((r) => r.plain.minerCpuUs)),
      client_cpu_us_per_req: r1(med((r) => r.plain.clientCpuUs)),
      miner_batched_cpu_us_per_req: r1(med((r) => r.batched.minerCpuUs)),
      client_batched_cpu_us_per_req: r1(med((r) => r.batched.clientCpuUs)),
      raw_ws_server_cpu_us_per_msg: r1(med((r) => r.raw.serverCpuUs)),
      raw_ws_client_cpu_us_per_msg: r1(med((r) => r.raw.clientCpuUs)),
      in_flight: IN_FLIGHT,
      connections: 1,
      request_bytes: plain.reqBytes,
      response_bytes: plain.resBytes,
      requests: sum((r) => r.plain.ok),
      requests_batched: sum((r) => r.batched.ok),
      errors: addErrors((r) => r.plain.errors),
      errors_batched: addErrors((r) => r.batched.errors),
      proofs_missing: sum((r) => r.plain.proofsMissing + r.batched.proofsMissing),
      answers_per_proof: Math.round(sum((r) => r.plain.ok) / Math.max(1, sum((r) => r.plain.proofBatches))),
      rss_before_mb: mb(plain.rssBefore),
      rss_after_mb: mb(plain.rssAfter),
      rss_batched_before_mb: mb(batched.rssBefore),
      rss_batched_after_mb: mb(batched.rssAfter),
      phase_ms: phaseMs,
      warmup_ms: warmupMs,
      rounds,
      per_round: per.map((r) => ({
        raw_ort_rps: round(r.ort),
        raw_ws_rps: round(r.raw.rps),
        miner_rps: round(r.plain.rps),
        miner_batched_rps: round(r.batched.rps),
        ratio_vs_min_raw: r3(ratioOf(r)),
        batched_vs_raw_ort: r3(batchedRatioOf(r)),
        miner_cpu_us_per_req: r1(r.plain.minerCpuUs),
        client_cpu_us_per_req: r1(r.plain.clientCpuUs),
      })),
    };
    if (argMap.has('trace')) {
      o.log('traced run (both sides, 3 s)…');
      const tr = await minerRun({ durationMs: 3000, batch: false, log: o.log, trace: true, warmupMs });
      if (tr.trace) result.trace = { miner_rps: round(tr.rps), ...tr.trace, steps: tr.trace.steps.slice(0, 12) };
    }
    if (long) {
      const n = Number(argMap.get('requests') ?? 1_000_000);
      const seconds = argMap.has('seconds') ? Number(argMap.get('seconds')) : undefined;
      o.log(`long run: ${n} requests${seconds ? ` or ${seconds} s` : ''} through one miner, RSS sampled every 10 s…`);
      const lr = await minerRun({ requests: n, durationMs: seconds ? seconds * 1000 : undefined, batch: false, log: o.log, sampleEveryMs: 10_000, warmupMs });
      result.long = {
        requests: lr.ok,
        rps: round(lr.rps),
        errors: lr.errors,
        proofs_missing: lr.proofsMissing,
        answers_per_proof: Math.round(lr.ok / Math.max(1, lr.proofBatches)),
        rss_before_mb: mb(lr.rssBefore),
        rss_after_mb: mb(lr.rssAfter),
        rss_samples: lr.rssSamples,
      };
    }
    return result;
  },
};

/**
 * `subnet bench load [--json] [--quick] [rounds=N] [seconds=S]`
 *
 * Load on the wire stack, everything in this process on 127.0.0.1 (AxonServer from miner/, the
 * validator's ClientPool from validator/client/; handshakes, AES-GCM frames, signed proof
 * batches verified by the client):
 *
 *  fan_in   one miner (AxonServer with the real ONNX reference model, OnnxModelRunner) and 64
 *           validators (64 ClientPools, 64 sr25519 keys, one connection each), each keeping
 *           `inFlight` (4) requests in flight for `seconds`; then every pool is closed.
 *  fan_out  one validator (one ClientPool) and 1,024 miners (1,024 AxonServers with
 *           FakeModelRunner: 1,024 ONNX sessions would measure onnxruntime, not the wire);
 *           `query()` of all 1,024 targets, again and again for `seconds`; then it is closed.
 *
 * Each scenario runs `rounds` times (fresh pools/servers each round). Reported per round:
 * results/s, p50/p99 latency (client side, answer arrived), statuses, and RSS / heap / open fds
 * (/proc/self/fd) before, at the peak during the load, and after close (after a forced GC).
 * Nothing leaks when fds after == fds before and heap after close does not trend up.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentile, type BenchModule, type BenchOptions } from './harness';

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const fds = () => readdirSync('/proc/self/fd').length;
/** what each open fd points to (socket:[…], anon_inode:[eventpoll], a file) */
function fdTargets(): string[] {
  const out: string[] = [];
  for (const f of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${f}`).replace(/\[\d+\]$/, '[]'));
    } catch {
      // closed while listing (the listing's own fd)
    }
  }
  return out.sort();
}
function fdDiff(a: string[], b: string[]): string[] {
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const out: string[] = [];
  for (const [k, n] of cb) if (n > (ca.get(k) ?? 0)) out.push(`+${n - (ca.get(k) ?? 0)} ${k}`);
  for (const [k, n] of ca) if (n > (cb.get(k) ?? 0)) out.push(`-${n - (cb.get(k) ?? 0)} ${k}`);
  return out;
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
}

interface Sample {
  rss_mb: number;
  heap_mb: number;
  fds: number;
}
function sample(): Sample {
  const m = process.memoryUsage();
  return { rss_mb: mb(m.rss), heap_mb: mb(m.heapUsed), fds: fds() };
}

/** samples every 200 ms while the load runs; returns the peaks */
function peakSampler(): { stop: () => Sample } {
  const peak: Sample = sample();
  const t = setInterval(() => {
    const s = sample();
    peak.rss_mb = Math.max(peak.rss_mb, s.rss_mb);
    peak.heap_mb = Math.max(peak.heap_mb, s.heap_mb);
    peak.fds = Math.max(peak.fds, s.fds);
  }, 200);
  return {
    stop: () => {
      clearInterval(t);
      return peak;
    },
  };
}

function argNum(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`${name}=`));
  const v = a ? Number(a.slice(name.length + 1)) : dflt;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

export const bench: BenchModule = {
  name: 'load',
  description: 'one miner x 64 validators, one validator x 1,024 miners: throughput, p99, memory, fds before/during/after',
  async run(opts: BenchOptions) {
    const { keysReady, devKeypair } = await import('../shared/keys');
    const { FakeModelRunner, generateInputs, OnnxModelRunner, defaultModelBytes } = await import('../shared/model');
    const { protocolReady } = await import('../shared/protocol');
    const { AxonServer, AllowAllPolicy, modelHandler } = await import('../miner');
    const { ClientPool } = await import('../validator/client');
    await Promise.all([keysReady(), protocolReady()]);
    const gc = forceGc();
    const settle = async () => {
      gc();
      await sleep(300);
      gc();
    };
    const rounds = argNum(opts.args, 'rounds', opts.quick ? 2 : 3);
    const seconds = argNum(opts.args, 'seconds', opts.quick ? 3 : 8);
    const validators = argNum(opts.args, 'validators', 64);
    const miners = argNum(opts.args, 'miners', 1024);
    const inFlight = argNum(opts.args, 'in_flight', 4);
    const request = { synapse: 'infer', tensors: generateInputs(1, 1) };
    const bob = devKeypair('bob');

    // -------- fan-in: one miner, 64 validators
    const runner = await OnnxModelRunner.create(defaultModelBytes());
    const fanIn: Record<string, unknown>[] = [];
    await settle();
    const fanInBaseline = sample();
    for (let r = 0; r < rounds; r++) {
      const before = sample();
      const fdsBefore = fdTargets();
      const axon = new AxonServer(
        { keypair: bob, handler: modelHandler(runner), policy: new AllowAllPolicy(), runner },
        { host: '127.0.0.1', port: 0, rateLimitPerSec: 0, maxConnections: validators + 16, maxQueue: validators * inFlight * 2, concurrency: 64 },
      );
      await axon.start();
      const target = { endpoint: axon.url, hotkey: bob.address };
      const pools = Array.from({ length: validators }, (_, i) => new ClientPool({ keypair: devKeypair(`loadv${i}`) }, { timeoutMs: 10_000 }));
      const peak = peakSampler();
      const lat: number[] = [];
      const statuses: Record<string, number> = {};
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      await Promise.all(
        pools.flatMap((p) =>
          Array.from({ length: inFlight }, async () => {
            while (performance.now() < end) {
              const res = await p.request(target, request);
              statuses[res.status] = (statuses[res.status] ?? 0) + 1;
              if (res.status === 'ok') lat.push(res.latencyMs);
            }
          }),
        ),
      );
      const wall = (performance.now() - t0) / 1000;
      const during = peak.stop();
      const open = pools.reduce((n, p) => n + p.size, 0);
      await Promise.all(pools.map((p) => p.close()));
      await axon.stop({ drainMs: 200 });
      await settle();
      const after = sample();
      lat.sort((a, b) => a - b);
      const row = {
        round: r + 1,
        validators,
        in_flight_per_validator: inFlight,
        connections: open,
        results: lat.length,
        statuses,
        rps: Math.round(lat.length / wall),
        p50_ms: Math.round(percentile(lat, 50) * 10) / 10,
        p99_ms: Math.round(percentile(lat, 99) * 10) / 10,
        before,
        during,
        after,
        fds_changed: fdDiff(fdsBefore, fdTargets()),
      };
      opts.log(`fan-in round ${r + 1}: ${row.rps} results/s, p99 ${row.p99_ms} ms, ${open} connections, fds ${before.fds} -> ${during.fds} -> ${after.fds}, heap ${before.heap_mb} -> ${during.heap_mb} -> ${after.heap_mb} MB`);
      fanIn.push(row);
    }
    await runner.close?.();

    // -------- fan-out: one validator, 1,024 miners
    const fanOut: Record<string, unknown>[] = [];
    await settle();
    const fanOutBaseline = sample();
    const alice = devKeypair('alice');
    for (let r = 0; r < rounds; r++) {
      const before = sample();
      const fdsBefore = fdTargets();
      const servers: InstanceType<typeof AxonServer>[] = [];
      const keys = Array.from({ length: miners }, (_, i) => devKeypair(`loadm${i}`));
      for (let i = 0; i < miners; i++) {
        const fr = new FakeModelRunner();
        const s = new AxonServer({ keypair: keys[i], handler: modelHandler(fr), policy: new AllowAllPolicy(), runner: fr }, { host: '127.0.0.1', port: 0, rateLimitPerSec: 0 });
        await s.start();
        servers.push(s);
      }
      const listening = sample();
      const targets = servers.map((s, i) => ({ endpoint: s.url, hotkey: keys[i].address, uid: i }));
      const pool = new ClientPool({ keypair: alice }, { timeoutMs: 20_000, maxConnections: miners });
      const peak = peakSampler();
      const lat: number[] = [];
      const statuses: Record<string, number> = {};
      const queryMs: number[] = [];
      // the first query connects (1,024 handshakes); the steady ones reuse the connections
      const t0 = performance.now();
      let tSteady = t0;
      let steadyResults = 0;
      let queries = 0;
      let end = Infinity;
      do {
        const q0 = performance.now();
        const res = await pool.query(targets, request);
        queryMs.push(performance.now() - q0);
        queries++;
        for (const x of res) {
          statuses[x.status] = (statuses[x.status] ?? 0) + 1;
          if (x.status === 'ok' && queries > 1) {
            lat.push(x.latencyMs);
            steadyResults++;
          }
        }
        if (queries === 1) {
          tSteady = performance.now();
          end = tSteady + seconds * 1000;
        }
      } while ((performance.now() < end || queries < 3) && queries < 200);
      const wall = (performance.now() - tSteady) / 1000;
      const during = peak.stop();
      const open = pool.size;
      await pool.close();
      await Promise.all(servers.map((s) => s.stop({ drainMs: 100 })));
      await settle();
      const after = sample();
      lat.sort((a, b) => a - b);
      const row = {
        round: r + 1,
        miners,
        connections: open,
        queries,
        connect_query_ms: Math.round(queryMs[0]),
        steady_query_ms: Math.round(queryMs.slice(1).reduce((a, b) => a + b, 0) / (queryMs.length - 1)),
        steady_results: steadyResults,
        statuses,
        rps: Math.round(steadyResults / wall),
        p50_ms: Math.round(percentile(lat, 50) * 10) / 10,
        p99_ms: Math.round(percentile(lat, 99) * 10) / 10,
        before,
        listening,
        during,
        after,
        fds_changed: fdDiff(fdsBefore, fdTargets()),
      };
      opts.log(`fan-out round ${r + 1}: ${queries} queries of ${miners}, ${row.rps} results/s, p99 ${row.p99_ms} ms, fds ${before.fds} -> ${during.fds} -> ${after.fds}, heap ${before.heap_mb} -> ${during.heap_mb} -> ${after.heap_mb} MB`);
      fanOut.push(row);
    }
    await settle();
    const end = sample();
    const afterFds = (rows: Record<string, unknown>[]) => rows.map((x) => (x.after as Sample).fds);
    const afterHeap = (rows: Record<string, unknown>[]) => rows.map((x) => (x.after as Sample).heap_mb);
    return {
      runner: { fan_in: 'OnnxModelRunner (generated reference model)', fan_out: 'FakeModelRunner' },
      seconds_per_round: seconds,
      rounds,
      baseline: { fan_in: fanInBaseline, fan_out: fanOutBaseline },
      fan_in: fanIn,
      fan_out: fanOut,
      end,
      leaks: {
        fds_after_each_round: { fan_in: afterFds(fanIn), fan_out: afterFds(fanOut) },
        heap_mb_after_each_round: { fan_in: afterHeap(fanIn), fan_out: afterHeap(fanOut) },
        /** true when no round after the first ends with more fds than it started with */
        fds_stable_after_first_round: [...fanIn.slice(1), ...fanOut.slice(1)].every((x) => (x.after as Sample).fds <= (x.before as Sample).fds),
      },
    };
  },
};

/**
 * Validator speed and memory:
 *
 *  1. one step over 256 miners: in-process miner servers (AxonServer, the real wire protocol) on
 *     loopback, queried through the real client pool; all answer at once, then the same with one
 *     miner slower than the timeout. Reports step time vs timeout and the overhead (step time
 *     minus the slowest answer, or minus the timeout when one miner times out).
 *  2. log writes: 256-query steps into the SQLite log, one transaction per step and batched
 *     (goal >= 50,000 query rows/s).
 *  3. memory over 10,000 steps (--quick: 1,000): the real validator loop code with in-process
 *     fakes (256 miners, no sockets), the real SQLite log, an epoch every 11 steps with pruning;
 *     rss/heap at the start and end (after GC when --expose-gc).
 *
 *   subnet bench validator [--quick] [--json]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchModule } from './harness';
import { summarize } from './harness';

const N_MINERS = 256;

async function mem(): Promise<{ rss_mb: number; heap_mb: number }> {
  const g = (globalThis as { gc?: () => void }).gc;
  // two collections around a turn of the event loop: objects with native finalizers (SQLite
  // statements, buffers) are released by the second one
  if (g) {
    g();
    await new Promise((r) => setImmediate(r));
    g();
  }
  const m = process.memoryUsage();
  return { rss_mb: Math.round((m.rss / 1e6) * 10) / 10, heap_mb: Math.round((m.heapUsed / 1e6) * 10) / 10 };
}

export const bench: BenchModule = {
  name: 'validator',
  description: 'validator: one step over 256 loopback miners (step time vs timeout, overhead), log writes/s, memory over 10,000 steps',
  async run(opts) {
    const { keysReady, devKeypair } = await import('../shared/keys');
    const { FakeModelRunner, generateInputs } = await import('../shared/model');
    const { AxonServer, AllowAllPolicy, modelHandler } = await import('../miner');
    const { ClientPool } = await import('../validator/client');
    const { Validator, ReferenceTask, ClientPoolAdapter } = await import('../validator');
    const { FakeChain, FakeMinerPool, ManualClock, fakeMetagraph, fakeSigner, fakeAxon } = await import('../validator/testing');
    const { openLogStore, encodeTensors, digestTensors } = await import('../shared/log');
    const { BUILTIN_SCORERS, float32Tensor } = await import('../shared/scoring');
    const { scoresToWeights } = await import('../shared/weights');
    const { yumaEpoch } = await import('../shared/yuma');
    const { nullLogger } = await import('../shared/logger');
    await keysReady();
    const dir = mkdtempSync(join(tmpdir(), 'validator-bench-'));
    const result: Record<string, unknown> = { miners: N_MINERS };
    try {
      // ---------------------------------------------------------------- 1. one step over 256 loopback miners
      const timeoutMs = 1000;
      const model = new FakeModelRunner();
      const servers: InstanceType<typeof AxonServer>[] = [];
      let slowUid = -1;
      const slowHandler = {
        synapses: ['infer'],
        forward: async (req: { tensors: Record<string, import('../shared/model').TensorData> }, ctx: { signal: AbortSignal }) => {
          await new Promise<void>((res) => {
            const t = setTimeout(res, timeoutMs + 500);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(t);
              res();
            });
          });
          return { tensors: await model.run(req.tensors) };
        },
      };
      const honest = modelHandler(model);
      for (let i = 0; i < N_MINERS; i++) {
        const uid = i + 1;
        const handler = {
          synapses: ['infer'],
          forward: (req: Parameters<typeof honest.forward>[0], ctx: Parameters<typeof honest.forward>[1]) =>
            uid === slowUid ? slowHandler.forward(req, ctx) : honest.forward(req, ctx),
        };
        const s = new AxonServer({ keypair: devKeypair(`bench-miner-${i}`), handler, policy: new AllowAllPolicy(), logger: nullLogger }, { host: '127.0.0.1', port: 0, rateLimitPerSec: 1e6, rateLimitBurst: 1e6 });
        await s.start();
        servers.push(s);
      }
      opts.log(`started ${N_MINERS} miner servers on loopback`);
      const hotkeys = ['5Validator', ...servers.map((_, i) => devKeypair(`bench-miner-${i}`).address)];
      const mg = fakeMetagraph(hotkeys, { validators: [0] });
      mg.axons = hotkeys.map((_, uid) => (uid === 0 ? null : fakeAxon(servers[uid - 1].port, '127.0.0.1')));
      const chain = new FakeChain(mg, 100);
      const wire = new ClientPool({ keypair: devKeypair('bench-validator'), logger: nullLogger }, { maxConcurrency: 256, verifyProofSignatures: true, proofWaitMs: 0 });
      const store1 = openLogStore(join(dir, 'step.db'));
      const v1 = new Validator(
        {
          chain,
          pool: new ClientPoolAdapter(wire),
          task: new ReferenceTask(model, generateInputs, { batch: 4, synapse: 'infer' }),
          scorer: BUILTIN_SCORERS['relative-error'],
          log: store1,
          logger: nullLogger,
          clock: new ManualClock(),
          signer: fakeSigner('5Validator'),
          yuma: yumaEpoch,
          prepareWeights: scoresToWeights,
        },
        { netuid: 1, timeoutMs, setWeights: false, predict: false },
      );
      await v1.init();
      // warm-up: connect + handshake all 256 with a generous deadline (the pool bounds a connect by
      // the request timeout; 256 handshakes at once can exceed 1 s on a loaded 2-core machine)
      const tw = performance.now();
      const warm = await wire.query(
        mg.axons.slice(1).map((a, i) => ({ endpoint: `ws://127.0.0.1:${a!.port}`, hotkey: hotkeys[i + 1], uid: i + 1 })),
        { synapse: 'infer', tensors: generateInputs(1, 4) },
        { timeoutMs: 30_000 },
      );
      const warmMs = performance.now() - tw;
      opts.log(`warm-up: ${warm.filter((r) => r.status === 'ok').length}/${N_MINERS} connected and answered in ${warmMs.toFixed(0)} ms`);
      result.connect_256_ms = Math.round(warmMs);
      const t0 = performance.now();
      const first = await v1.runStep();
      const firstMs = performance.now() - t0;
      opts.log(`first step: ${firstMs.toFixed(1)} ms, ok ${first.ok}/${first.queried}`);
      if (first.ok < first.queried) {
        const errs = new Map<string, number>();
        for (const q of store1.loadEpoch(1).queries) if (q.status !== 'ok') errs.set(`${q.status}: ${q.error}`, (errs.get(`${q.status}: ${q.error}`) ?? 0) + 1);
        for (const [e, c] of errs) opts.log(`  ${c} x ${e}`);
      }
      const steps = opts.quick ? 10 : 40;
      const fast: number[] = [];
      const overheadFast: number[] = [];
      for (let i = 0; i < steps; i++) {
        const s = await v1.runStep();
        const q = store1.loadEpoch(1).queries.filter((x) => x.step === s.step);
        const slowest = Math.max(...q.map((x) => x.latencyMs ?? 0));
        fast.push(s.durationMs);
        overheadFast.push(s.durationMs - slowest);
        if (s.ok !== N_MINERS) opts.log(`  step ${s.step}: only ${s.ok} ok`);
      }
      slowUid = 7;
      const slow: number[] = [];
      for (let i = 0; i < (opts.quick ? 3 : 8); i++) {
        const s = await v1.runStep();
        slow.push(s.durationMs);
      }
      const fastS = summarize(fast);
      const ovS = summarize(overheadFast);
      const slowS = summarize(slow);
      opts.log(`step over ${N_MINERS} miners, all answering: median ${fastS.median_ms} ms (max ${fastS.max_ms}); overhead beyond the slowest answer median ${ovS.median_ms} ms`);
      opts.log(`step with one miner slower than the ${timeoutMs} ms timeout: median ${slowS.median_ms} ms -> overhead over the timeout ${(slowS.median_ms - timeoutMs).toFixed(1)} ms (max ${(slowS.max_ms - timeoutMs).toFixed(1)})`);
      result.step = {
        timeout_ms: timeoutMs,
        first_step_ms: Math.round(firstMs * 10) / 10,
        all_answer: fastS,
        overhead_beyond_slowest_answer: ovS,
        one_timeout: slowS,
        overhead_over_timeout_median_ms: Math.round((slowS.median_ms - timeoutMs) * 10) / 10,
        overhead_over_timeout_max_ms: Math.round((slowS.max_ms - timeoutMs) * 10) / 10,
      };
      await v1.stop();
      await wire.close();
      for (const s of servers) await s.stop({ drainMs: 0 });
      store1.close();

      // ---------------------------------------------------------------- 1b. real miner processes
      {
        const { spawn } = await import('node:child_process');
        const { packageRoot } = await import('../shared/paths');
        const { OnnxModelRunner, defaultModelBytes } = await import('../shared/model');
        const nProc = opts.quick ? 4 : 16;
        const cli = join(packageRoot(), 'dist', 'cli', 'index.js');
        const procs: import('node:child_process').ChildProcess[] = [];
        const endpoints: { port: number; hotkey: string }[] = [];
        try {
          // the last process is slow: it answers 500 ms after the validator's deadline
          const slowJs = join(dir, 'slow-handler.js');
          writeFileSync(
            slowJs,
            `exports.synapses = ['infer'];
exports.forward = async (req, ctx) => {
  await new Promise((r) => { const t = setTimeout(r, ${timeoutMs + 500}); ctx.signal.addEventListener('abort', () => { clearTimeout(t); r(); }); });
  return { tensors: await ctx.runner.run(req.tensors) };
};`,
          );
          for (let i = 0; i < nProc; i++) {
            const extra = i === nProc - 1 ? ['--handler', slowJs] : [];
            const c = spawn(process.execPath, [cli, 'miner', '--dev', `bench-proc-${i}`, '--no-chain', '--axon.ip', '127.0.0.1', '--axon.port', '0', '--log-level', 'warn', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
            procs.push(c);
          }
          for (const c of procs) {
            const port = await new Promise<number>((resolve, reject) => {
              let buf = '';
              const t = setTimeout(() => reject(new Error(`miner did not start: ${buf}`)), 60_000);
              c.stderr!.on('data', (d: Buffer) => {
                buf += d.toString();
                const m = /miner listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
                if (m) {
                  clearTimeout(t);
                  resolve(Number(m[1]));
                }
              });
              c.on('exit', (code) => reject(new Error(`miner exited ${code}: ${buf}`)));
            });
            endpoints.push({ port, hotkey: devKeypair(`bench-proc-${endpoints.length}`).address });
          }
          opts.log(`started ${nProc} real miner processes (subnet miner, reference ONNX model)`);
          const hk2 = ['5Validator', ...endpoints.map((e) => e.hotkey)];
          const mg2 = fakeMetagraph(hk2, { validators: [0] });
          // the slow process (last uid) starts without an axon: status no_axon, no network wait
          mg2.axons = hk2.map((_, uid) => (uid === 0 || uid === nProc ? null : fakeAxon(endpoints[uid - 1].port, '127.0.0.1')));
          const chain2 = new FakeChain(mg2, 100);
          const ref = await OnnxModelRunner.create(defaultModelBytes('reference'));
          const wire2 = new ClientPool({ keypair: devKeypair('bench-validator'), logger: nullLogger }, { proofWaitMs: 0 });
          const store2 = openLogStore(join(dir, 'procs.db'));
          const v2 = new Validator(
            {
              chain: chain2,
              pool: new ClientPoolAdapter(wire2),
              task: new ReferenceTask(ref, generateInputs, { batch: 4, synapse: 'infer' }),
              scorer: BUILTIN_SCORERS['relative-error'],
              log: store2,
              logger: nullLogger,
              clock: new ManualClock(),
              signer: fakeSigner('5Validator'),
              yuma: yumaEpoch,
              prepareWeights: scoresToWeights,
            },
            { netuid: 1, timeoutMs, setWeights: false, predict: false },
          );
          await v2.init();
          await wire2.query(
            endpoints.map((e, i) => ({ endpoint: `ws://127.0.0.1:${e.port}`, hotkey: e.hotkey, uid: i + 1 })),
            { synapse: 'infer', tensors: generateInputs(1, 4) },
            { timeoutMs: 30_000 },
          );
          const times: number[] = [];
          const over: number[] = [];
          let okAll = 0;
          const runs = opts.quick ? 10 : 40;
          for (let i = 0; i < runs; i++) {
            const s = await v2.runStep();
            const q = store2.loadEpoch(1).queries.filter((x) => x.step === s.step);
            times.push(s.durationMs);
            over.push(s.durationMs - Math.max(...q.map((x) => x.latencyMs ?? 0)));
            okAll += s.ok;
            if (s.ok !== nProc - 1) opts.log(`  step ${s.step}: ${s.ok}/${nProc - 1} ok`);
            const sc = q.filter((x) => x.status === 'ok');
            if (i === 0) opts.log(`  scores of the real miners (reference model): min ${Math.min(...sc.map((x) => x.score)).toFixed(6)}`);
          }
          const tS = summarize(times);
          const oS = summarize(over);
          opts.log(`step over ${nProc - 1} real miner processes: median ${tS.median_ms} ms (max ${tS.max_ms}), ok ${okAll}/${runs * (nProc - 1)}; overhead beyond the slowest answer median ${oS.median_ms} ms`);
          // now with the slow process in the sample: the step ends at the deadline
          chain2.mg.axons[nProc] = fakeAxon(endpoints[nProc - 1].port, '127.0.0.1');
          chain2.head += 10;
          await v2.advance(chain2.head); // resync: the slow miner now has an axon
          const slowT: number[] = [];
          for (let i = 0; i < (opts.quick ? 3 : 8); i++) {
            const s = await v2.runStep();
            slowT.push(s.durationMs);
          }
          const sT = summarize(slowT);
          opts.log(`step over ${nProc} real miner processes, one slower than the ${timeoutMs} ms timeout: median ${sT.median_ms} ms -> overhead over the timeout ${(sT.median_ms - timeoutMs).toFixed(1)} ms (max ${(sT.max_ms - timeoutMs).toFixed(1)})`);
          result.step_real_processes = {
            miners: nProc,
            timeout_ms: timeoutMs,
            all_answer: tS,
            overhead_beyond_slowest_answer: oS,
            ok: okAll,
            queried: runs * (nProc - 1),
            one_timeout: sT,
            overhead_over_timeout_median_ms: Math.round((sT.median_ms - timeoutMs) * 10) / 10,
            overhead_over_timeout_max_ms: Math.round((sT.max_ms - timeoutMs) * 10) / 10,
          };
          await v2.stop();
          await wire2.close();
          await ref.close();
          store2.close();
        } finally {
          for (const c of procs) c.kill('SIGTERM');
          await Promise.all(procs.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)))));
        }
      }

      // ---------------------------------------------------------------- 2. log writes
      const resp = encodeTensors({ y: float32Tensor(Array.from({ length: 64 }, (_, i) => i / 64), [4, 16]) });
      const digest = digestTensors({ y: float32Tensor([1]) });
      const proof = new Uint8Array(320).fill(7);
      const ema = new Float64Array(N_MINERS + 1);
      const hk = hotkeys;
      const mkStep = (step: number) => ({
        step,
        epoch: 1,
        block: step,
        seed: step,
        startedAt: 0,
        durationMs: 1,
        n: N_MINERS + 1,
        inputs: resp,
        reference: resp,
        faults: 0,
        queries: Array.from({ length: N_MINERS }, (_, i) => ({
          uid: i + 1,
          hotkey: hk[i + 1],
          status: 'ok' as const,
          latencyMs: 3.5,
          digest,
          proof,
          response: resp,
          error: null,
          score: 0.9,
          fault: null,
          ema: 0.5,
        })),
        ema,
        hotkeys: hk,
      });
      const writeRun = (label: string, batch: number, total: number) => {
        const st = openLogStore(join(dir, `writes-${batch}.db`));
        st.beginRun({ startedAt: 0, hotkey: 'h', netuid: 1, appVersion: 'bench', scorerName: 's', scorerVersion: '1', options: {} });
        st.openEpoch({ epoch: 1, runId: 1, startStep: 1, startBlock: 0, startedAt: 0, options: {}, hyperparameters: null, scorerName: 's', scorerVersion: '1', emaStart: ema, hotkeysStart: hk });
        const pre = Array.from({ length: total }, (_, i) => mkStep(i + 1));
        const c0 = process.cpuUsage();
        const t = performance.now();
        if (batch === 1) for (const s of pre) st.recordStep(s);
        else for (let i = 0; i < pre.length; i += batch) st.recordSteps(pre.slice(i, i + batch));
        const s = (performance.now() - t) / 1000;
        const cu = process.cpuUsage(c0);
        const cpuS = (cu.user + cu.system) / 1e6;
        const rows = total * N_MINERS;
        const mb = statSync(join(dir, `writes-${batch}.db`)).size / 1e6;
        st.close();
        const rps = Math.round(rows / s);
        const rpcs = Math.round(rows / cpuS);
        opts.log(`log writes, ${label}: ${rows} query rows in ${s.toFixed(2)} s = ${rps.toLocaleString('en')} rows/s wall, ${rpcs.toLocaleString('en')} rows per CPU-second (${mb.toFixed(1)} MB)`);
        return { rows, seconds: Math.round(s * 1000) / 1000, rows_per_s: rps, cpu_seconds: Math.round(cpuS * 1000) / 1000, rows_per_cpu_s: rpcs };
      };
      const totalSteps = opts.quick ? 100 : 400;
      result.log_writes = {
        bytes_per_row: resp.length + digest.length + proof.length,
        one_transaction_per_step: writeRun('one transaction per 256-row step', 1, totalSteps),
        batched_10_steps: writeRun('10 steps per transaction', 10, totalSteps),
        goal_rows_per_s: 50_000,
      };

      // ---------------------------------------------------------------- 3. memory over many steps
      const memSteps = opts.quick ? 1000 : 10_000;
      const memChain = new FakeChain(fakeMetagraph(['5Validator', ...Array.from({ length: N_MINERS }, (_, i) => `5Miner${i}`)], { validators: [0] }), 1);
      const store3 = openLogStore(join(dir, 'mem.db'));
      const v3 = new Validator(
        {
          chain: memChain,
          pool: new FakeMinerPool(model, { 3: { kind: 'timeout' }, 4: { kind: 'noisy', sigma: 0.1 }, 5: { kind: 'garbage' } }),
          task: new ReferenceTask(model, generateInputs, { batch: 4, synapse: 'infer' }),
          scorer: BUILTIN_SCORERS['relative-error'],
          log: store3,
          logger: nullLogger,
          clock: new ManualClock(),
          signer: fakeSigner('5Validator'),
          yuma: yumaEpoch,
          prepareWeights: scoresToWeights,
        },
        { netuid: 1, timeoutMs, pruneAfterEpochs: 2 },
      );
      await v3.init();
      for (let i = 0; i < 100; i++) {
        await v3.runStep();
        memChain.head++;
        await v3.advance(memChain.head);
      }
      const m0 = await mem();
      const series: { step: number; rss_mb: number; heap_mb: number }[] = [{ step: 100, ...m0 }];
      const t3 = performance.now();
      for (let i = 100; i < memSteps; i++) {
        if (i % 1000 === 0) series.push({ step: i, ...(await mem()) });
        await v3.runStep();
        memChain.head++;
        await v3.advance(memChain.head);
        // the fakes' own records (set_weights calls, FakeModelRunner's batch sizes) are not validator memory
        memChain.calls.length = 0;
        model.batchSizes.length = 0;
      }
      const sec = (performance.now() - t3) / 1000;
      const m1 = await mem();
      const st3 = v3.status();
      opts.log(`  rss/heap MB by step: ${series.map((x) => `${x.step}: ${x.rss_mb}/${x.heap_mb}`).join(', ')}`);
      opts.log(
        `memory over ${memSteps} steps x ${N_MINERS} miners (${st3.epoch - 1} epochs, ${st3.weightSets.included} weight sets, ${st3.predictions} predictions, ${(sec * 1000 / (memSteps - 100)).toFixed(2)} ms/step): rss ${m0.rss_mb} -> ${m1.rss_mb} MB, heap ${m0.heap_mb} -> ${m1.heap_mb} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: heap figures include garbage)'}`,
      );
      result.memory = {
        steps: memSteps,
        miners: N_MINERS,
        epochs: st3.epoch - 1,
        ms_per_step: Math.round((sec * 1000 * 100) / (memSteps - 100)) / 100,
        start: m0,
        end: m1,
        gc_exposed: !!(globalThis as { gc?: unknown }).gc,
        series,
        db_mb: Math.round(statSync(join(dir, 'mem.db')).size / 1e5) / 10,
      };
      await v3.stop();
      store3.close();
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

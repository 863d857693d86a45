/**
 * The fault scenarios, shared by the long runs (test/faults/*.test.ts) and the fast subset
 * (test/e2e/faults-fast.test.ts). Each returns what it saw; the tests assert on it.
 */
import { join } from 'node:path';
import { waitForOutput } from '../../helpers/cli';
import { Cluster, FIRST_MINER_UID, RATE_LIMIT, VALIDATOR_UID } from './cluster';
import { integrityCheck, kill9, readLog, seededRandom, sleep, startMiner, startValidator, stepQueries, waitUntil, watchLastUpdate, writeDelayHandler, type LogView, type Proc } from './procs';

/* ------------------------------------------------------------------ miner kill -9 mid-request */

export interface MinerKillReport {
  rounds: number;
  /** per round: the step whose query to the killed miner was in flight, its row */
  killedRows: { step: number; status: string; score: number; error: string | null }[];
  /** every step's query-row count (must all equal n) */
  rowsPerStep: number[];
  /** steps whose rows are not exactly one per expected uid (uid list differs) */
  misaligned: number[];
  n: number;
  /** first step after each restart in which the restarted miner answered ok */
  recoveredAt: number[];
  /** steps logged while the miner was down */
  stepsWhileDown: number[];
  validatorExit: { code: number | null; signal: string | null };
  integrity: string;
  /** the other miner's statuses during the outages */
  otherMinerStatuses: string[];
}

export async function minerKillScenario(c: Cluster, rounds: number): Promise<MinerKillReport> {
  const handler = writeDelayHandler(c.dir);
  const env = { FAULT_DELAY_MS: '500' };
  const victimUid = FIRST_MINER_UID + 1;
  const other = c.track(await startMiner({ dev: 'm1', port: c.ports[0] }));
  let victim = c.track(await startMiner({ dev: 'm2', port: c.ports[1], handler, env }));
  void other;
  const db = join(c.dir, 'miner-kill.db');
  const v = c.track(startValidator({ dev: 'dave', chainUrl: c.chain.url, db, extra: ['--timeout', '2000'] }));
  await waitForOutput(v, /validator running/, 60_000);

  const okStep = (uid: number, after: number): number | null => {
    const view = readLog(db);
    for (const s of view.steps) if (s > after && stepQueries(db, s).some((q) => q.uid === uid && q.status === 'ok')) return s;
    return null;
  };
  // the slow miner is answered ok before anything is killed
  await waitUntil(() => okStep(victimUid, 0) !== null, 'the delayed miner to be scored ok', 60_000, 200);

  const report: MinerKillReport = { rounds, killedRows: [], rowsPerStep: [], misaligned: [], n: 0, recoveredAt: [], stepsWhileDown: [], validatorExit: { code: null, signal: null }, integrity: '', otherMinerStatuses: [] };
  for (let r = 0; r < rounds; r++) {
    // kill -9 exactly while a request is being worked on
    const mark = victim.output().length;
    await waitUntil(() => /FAULT-REQ-START/.test(victim.output().slice(mark)), 'a request to reach the miner', 30_000, 5);
    const before = readLog(db).steps.at(-1) ?? 0;
    await kill9(victim);
    // let the validator run a few steps with the miner gone
    await waitUntil(() => (readLog(db).steps.at(-1) ?? 0) >= before + 4, 'steps after the kill', 30_000, 100);
    const after = readLog(db).steps.filter((s) => s > before);
    report.stepsWhileDown.push(after.length);
    // the first step after the kill with the victim not ok is the one whose request died
    for (const s of after) {
      const row = stepQueries(db, s).find((q) => q.uid === victimUid);
      if (row && row.status !== 'ok') {
        report.killedRows.push({ step: s, status: row.status, score: row.score, error: row.error });
        break;
      }
    }
    for (const s of after) {
      const row = stepQueries(db, s).find((q) => q.uid === FIRST_MINER_UID);
      if (row) report.otherMinerStatuses.push(row.status);
    }
    // restart on the same port; the validator's pool reconnects by itself
    victim = c.track(await startMiner({ dev: 'm2', port: c.ports[1], handler, env }));
    const since = readLog(db).steps.at(-1) ?? 0;
    let rec: number | null = null;
    await waitUntil(() => (rec = okStep(victimUid, since)) !== null, 'the restarted miner to be scored ok', 60_000, 200);
    report.recoveredAt.push(rec!);
  }
  v.kill('SIGTERM');
  const ex = await v.exited;
  report.validatorExit = { code: ex.code, signal: ex.signal };
  const view = readLog(db);
  report.rowsPerStep = view.steps.map((s) => view.queriesPerStep.get(s) ?? 0);
  report.n = c.ports.length + 1; // every uid but our own: the owner (no axon) and the miners
  const want = [0, ...c.ports.map((_, i) => FIRST_MINER_UID + i)].join(',');
  report.misaligned = view.steps.filter((s) => stepQueries(db, s).map((q) => q.uid).join(',') !== want);
  report.integrity = integrityCheck(db);
  return report;
}

/* ------------------------------------------------------------------ validator kill -9, N times */

export interface ValidatorKillReport {
  kills: number;
  seed: number;
  delaysMs: number[];
  /** kills that landed before the validator printed its ready line */
  killedDuringStartup: number;
  /** problems found (empty = none) */
  lost: string[];
  integrity: string[];
  /** steps in the final log; must be 1..N */
  steps: number[];
  /** per restart: step before the kill, and whether the next step's EMA continued from the state */
  emaContinued: { afterStep: number; checked: number; ok: boolean }[];
  /** weight sets as the chain applied them (blocks where LastUpdate[our uid] changed) */
  chainSetBlocks: number[];
  /** included/submitted blocks from the log */
  logSetBlocks: number[];
  tooFast: number;
  finalExit: { code: number | null };
  wallMs: number;
}

export async function validatorKillScenario(c: Cluster, kills: number, seed: number, maxDelayMs: number): Promise<ValidatorKillReport> {
  const t0 = Date.now();
  const rnd = seededRandom(seed);
  c.track(await startMiner({ dev: 'm1', port: c.ports[0] }));
  c.track(await startMiner({ dev: 'm2', port: c.ports[1] }));
  const watch = watchLastUpdate(c.chain, 1, VALIDATOR_UID);
  const db = join(c.dir, 'validator-kill.db');
  const rep: ValidatorKillReport = { kills, seed, delaysMs: [], killedDuringStartup: 0, lost: [], integrity: [], steps: [], emaContinued: [], chainSetBlocks: [], logSetBlocks: [], tooFast: 0, finalExit: { code: null }, wallMs: 0 };
  let seen: LogView | null = null;
  const restarts: { step: number; ema: Float64Array }[] = [];
  for (let k = 0; k < kills; k++) {
    // random moment, measured from the spawn: early ones land in start-up (opening the log,
    // connecting to the chain), later ones in steps, weight sets and epoch handling
    const delay = Math.round(300 + rnd() * maxDelayMs);
    rep.delaysMs.push(delay);
    const v = c.track(startValidator({ dev: 'dave', chainUrl: c.chain.url, db }));
    // a kill lands after at least one committed step in most rounds: wait for ready first in
    // every other round, so both start-up and steady state are hit
    if (k % 2 === 1) await waitForOutput(v, /validator running/, 60_000).catch(() => undefined);
    await sleep(delay);
    if (!/validator running/.test(v.output())) rep.killedDuringStartup++;
    // rows committed just before the kill (a consistent read transaction)
    let pre: LogView | null = null;
    try {
      pre = readLog(db);
    } catch {
      pre = null; // the file does not exist yet
    }
    await kill9(v);
    if (v.exitCode !== null && v.exitCode !== 0 && !/validator running/.test(v.output())) {
      // it exited by itself before the kill: that is a failure to start, not a kill
      rep.lost.push(`round ${k}: validator exited ${v.exitCode} before the kill: ${v.output().slice(0, 1500)}`);
    }
    let post: LogView;
    try {
      post = readLog(db);
    } catch {
      continue; // killed before the log was created
    }
    rep.integrity.push(integrityCheck(db));
    // against what the previous round saw after its kill (nothing lost by this restart or this
    // kill) and against what was read just before this kill (nothing lost by this kill)
    for (const ref of [seen, pre]) {
      if (!ref) continue;
      const have = new Set(post.steps);
      for (const s of ref.steps) {
        if (!have.has(s)) rep.lost.push(`round ${k}: step ${s} lost`);
        else if (post.queriesPerStep.get(s) !== ref.queriesPerStep.get(s)) rep.lost.push(`round ${k}: step ${s} rows ${ref.queriesPerStep.get(s)} -> ${post.queriesPerStep.get(s)}`);
      }
      const ids = new Set(post.weightSets.map((w) => w.id));
      for (const w of ref.weightSets) if (!ids.has(w.id)) rep.lost.push(`round ${k}: weight_sets row ${w.id} lost`);
      if (post.queryRows < ref.queryRows) rep.lost.push(`round ${k}: query rows ${ref.queryRows} -> ${post.queryRows}`);
    }
    seen = post;
    if (post.state) restarts.push({ step: post.state.step, ema: post.state.ema });
  }
  // a last clean run: it resumes and runs 10 more steps, then stops on its own
  const lastStep = seen?.state?.step ?? 0;
  const fin = c.track(startValidator({ dev: 'dave', chainUrl: c.chain.url, db, extra: ['--max-steps', String(lastStep + 10)] }));
  const ex = await fin.exited;
  rep.finalExit = { code: ex.code };
  rep.integrity.push(integrityCheck(db));
  const end = readLog(db);
  rep.steps = end.steps;
  if (seen) {
    const have = new Set(end.steps);
    for (const s of seen.steps) if (!have.has(s) || end.queriesPerStep.get(s) !== seen.queriesPerStep.get(s)) rep.lost.push(`final run: step ${s} lost or changed`);
  }
  // EMA continuity: the first step after each restart starts from the state committed before it
  const alpha = 0.3;
  const seenRestart = new Set<number>();
  for (const r of restarts) {
    if (seenRestart.has(r.step)) continue;
    seenRestart.add(r.step);
    const rows = stepQueries(db, r.step + 1);
    if (rows.length === 0) continue;
    let ok = true;
    let checked = 0;
    for (const q of rows) {
      if (q.uid >= r.ema.length) continue;
      checked++;
      const want = alpha * q.score + (1 - alpha) * r.ema[q.uid];
      if (Math.abs(want - q.ema) > 1e-9) ok = false;
    }
    rep.emaContinued.push({ afterStep: r.step, checked, ok });
  }
  watch.stop();
  rep.chainSetBlocks = [...watch.blocks];
  rep.logSetBlocks = end.weightSets.filter((w) => w.status === 'included' || w.status === 'submitted').map((w) => w.included_block ?? w.block).sort((a, b) => a - b);
  rep.tooFast = end.weightSets.filter((w) => /TooFast/.test(w.error ?? '')).length;
  rep.wallMs = Date.now() - t0;
  return rep;
}

export function minGap(blocks: number[]): number {
  let g = Infinity;
  for (let i = 1; i < blocks.length; i++) g = Math.min(g, blocks[i] - blocks[i - 1]);
  return g;
}

export { RATE_LIMIT, type Proc };

/* ------------------------------------------------------------------ socket-level faults vs the client pool */

import { devKeypair, keysReady } from '../../../shared/keys';
import { FakeModelRunner, generateInputs } from '../../../shared/model';
import { protocolReady } from '../../../shared/protocol';
import { AllowAllPolicy, AxonServer, modelHandler } from '../../../miner';
import { ClientPool } from '../../../validator/client';
import { cutProxy, dribbleServer, midFrameServer, silentServer, slowUpgradeServer, type BadServer } from './badMiners';
import { activeResources, fdCount } from './procs';

export interface SocketFaultCase {
  kind: string;
  requests: number;
  statuses: Record<string, number>;
  errors: string[];
  /** slowest result, ms (the deadline is timeoutMs) */
  maxLatencyMs: number;
  maxWallMs: number;
}

export interface SocketFaultReport {
  timeoutMs: number;
  cases: SocketFaultCase[];
  /** the good miner's statuses, queried in the same fan-out as the bad ones */
  goodStatuses: Record<string, number>;
  fdsBefore: number;
  fdsAfter: number;
  tcpBefore: number;
  tcpAfter: number;
  timersBefore: number;
  timersAfter: number;
}

/**
 * Queries each bad server `rounds` times (concurrently with a good in-process miner, through
 * one ClientPool per round, closed after the round) and counts fds, TCP handles and timers
 * before and after everything is closed.
 */
export async function socketFaultScenario(rounds: number, timeoutMs = 1000): Promise<SocketFaultReport> {
  await Promise.all([keysReady(), protocolReady()]);
  const tcp = () => (activeResources().TCPSocketWrap ?? 0) + (activeResources().TCPServerWrap ?? 0);
  const timers = () => activeResources().Timeout ?? 0;
  await sleep(200);
  const fdsBefore = fdCount();
  const tcpBefore = tcp();
  const timersBefore = timers();

  const runner = new FakeModelRunner();
  const axon = new AxonServer({ keypair: devKeypair('bob'), handler: modelHandler(runner), policy: new AllowAllPolicy(), runner }, { host: '127.0.0.1', port: 0, rateLimitPerSec: 0 });
  await axon.start();
  const bad: BadServer[] = [await silentServer(), await dribbleServer(50), await slowUpgradeServer(50), await midFrameServer()];
  const proxy = await cutProxy(axon.port, 3);
  bad.push(proxy);
  const cases = new Map<string, SocketFaultCase>(bad.map((b) => [b.kind, { kind: b.kind, requests: 0, statuses: {}, errors: [], maxLatencyMs: 0, maxWallMs: 0 }]));
  const goodStatuses: Record<string, number> = {};
  const bob = devKeypair('bob').address;
  for (let r = 0; r < rounds; r++) {
    const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs, backoffInitialMs: 10, backoffMaxMs: 20, proofWaitMs: 300 });
    const targets = [...bad.map((b) => ({ endpoint: b.url, hotkey: b.kind === 'cutProxy' ? bob : undefined, uid: bad.indexOf(b) })), { endpoint: axon.url, hotkey: bob, uid: 99 }];
    // twice through the same pool: a fresh connect and a reconnect after the fault
    for (let again = 0; again < 2; again++) {
      const t = Date.now();
      const res = await pool.query(targets, { synapse: 'infer', tensors: generateInputs(r, 1) }, { timeoutMs });
      const wall = Date.now() - t;
      res.forEach((x, i) => {
        if (i === bad.length) {
          goodStatuses[x.status] = (goodStatuses[x.status] ?? 0) + 1;
          return;
        }
        const c = cases.get(bad[i].kind)!;
        c.requests++;
        c.statuses[x.status] = (c.statuses[x.status] ?? 0) + 1;
        const code = x.error?.code ?? '';
        if (code && !c.errors.includes(code)) c.errors.push(code);
        c.maxLatencyMs = Math.max(c.maxLatencyMs, Math.round(x.latencyMs));
        c.maxWallMs = Math.max(c.maxWallMs, wall);
      });
      await sleep(30);
    }
    await pool.close();
  }
  for (const b of bad) await b.close();
  await axon.stop({ drainMs: 100 });
  // a leak stays; a socket or timer that is still closing (a close handshake, a 10 ms proof flush
  // of a late answer) goes within moments — on a loaded machine that can take longer than 300 ms
  await sleep(300);
  for (let i = 0; i < 30 && (tcp() > tcpBefore || fdCount() > fdsBefore || timers() > timersBefore); i++) await sleep(100);
  return { timeoutMs, cases: [...cases.values()], goodStatuses, fdsBefore, fdsAfter: fdCount(), tcpBefore, tcpAfter: tcp(), timersBefore, timersAfter: timers() };
}

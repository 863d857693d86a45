/**
 * Helpers for the fault-injection tests: real `subnet` processes on loopback (miners, validators,
 * the chain), their output, kill -9, reading a validator's SQLite log from outside, the chain's
 * own record of weight sets, and resource counts (fds, sockets, timers).
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xxhashAsHex } from '@polkadot/util-crypto';
import type { RunningLocalChain } from '../../../chain-mock';
import { spawnCli, waitForOutput } from '../../helpers/cli';
import { mulberry32 } from '../../../shared/random';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG (the kill schedule is reproducible from its seed). */
export const seededRandom: (seed: number) => () => number = mulberry32;

export type Proc = ChildProcess & { output: () => string; exited: Promise<{ code: number | null; signal: string | null; stdout: string }> };

/** Spawns the built CLI and records its stderr+stdout; `exited` resolves on exit. */
export function spawnRecorded(args: string[], env?: NodeJS.ProcessEnv): Proc {
  const c = spawnCli(args, { env }) as Proc;
  let out = '';
  let stdout = '';
  c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  c.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  c.output = () => out;
  c.exited = new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal, stdout })));
  return c;
}

export async function kill9(c: Proc): Promise<void> {
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await c.exited;
}

/** Waits until `pred()` holds, polling every `everyMs`; throws with `what` after `timeoutMs`. */
export async function waitUntil(pred: () => boolean, what: string, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * A miner handler module (plain CommonJS, written into `dir`) that prints `FAULT-REQ-START <id>`
 * on stderr when a request starts, waits FAULT_DELAY_MS, then answers with the real model: a
 * test can kill the miner exactly while a request is in flight.
 */
export function writeDelayHandler(dir: string): string {
  const file = join(dir, 'delay-handler.js');
  writeFileSync(
    file,
    `'use strict';
const ms = Number(process.env.FAULT_DELAY_MS || 600);
exports.forward = async (req, ctx) => {
  process.stderr.write('FAULT-REQ-START ' + req.id + '\\n');
  await new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
  if (ctx.signal.aborted) return {};
  return { tensors: await ctx.runner.run(req.tensors) };
};
`,
  );
  return file;
}

export interface MinerSpec {
  dev: string;
  port: number;
  chainUrl?: string;
  handler?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startMiner(m: MinerSpec): Promise<Proc> {
  const args = ['miner', '--dev', m.dev, '--axon.ip', '127.0.0.1', '--axon.port', String(m.port), '--log-level', 'info'];
  if (m.chainUrl) args.push('--chain', m.chainUrl, '--axon.external_ip', '127.0.0.1');
  else args.push('--no-chain');
  if (m.handler) args.push('--handler', m.handler);
  const c = spawnRecorded(args, m.env);
  await waitForOutput(c, /miner listening/, 60_000);
  return c;
}

export function startValidator(o: { dev: string; chainUrl: string; db: string; extra?: string[] }): Proc {
  return spawnRecorded([
    'validator', '--netuid', '1', '--dev', o.dev, '--chain', o.chainUrl, '--db', o.db,
    '--step-ms', '150', '--timeout', '1500', '--alpha', '0.3', '--sync-every', '2', '--prune-after', '0', '--log-level', 'info',
    ...(o.extra ?? []),
  ]);
}

/** What a validator log holds, read from outside through a separate read-only connection. */
export interface LogView {
  steps: number[];
  /** step -> number of query rows */
  queriesPerStep: Map<number, number>;
  queryRows: number;
  weightSets: { id: number; status: string; block: number; included_block: number | null; error: string | null; at: number }[];
  state: { step: number; ema: Float64Array } | null;
}

export function readLog(db: string): LogView {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const has = (t: string) => d.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?").get(t) !== undefined;
    if (!has('steps')) return { steps: [], queriesPerStep: new Map(), queryRows: 0, weightSets: [], state: null };
    // one read transaction: a consistent snapshot while the validator writes
    return d.transaction(() => {
      const steps = (d.prepare('SELECT step FROM steps ORDER BY step').all() as { step: number }[]).map((r) => r.step);
      const qp = new Map<number, number>();
      for (const r of d.prepare('SELECT step, COUNT(*) AS n FROM queries GROUP BY step').all() as { step: number; n: number }[]) qp.set(r.step, r.n);
      const queryRows = (d.prepare('SELECT COUNT(*) AS n FROM queries').get() as { n: number }).n;
      const weightSets = d.prepare('SELECT id, status, block, included_block, error, at FROM weight_sets ORDER BY id').all() as LogView['weightSets'];
      const s = d.prepare('SELECT step, ema FROM state WHERE id = 1').get() as { step: number; ema: Buffer } | undefined;
      const state = s ? { step: s.step, ema: emaOf(s.ema) } : null;
      return { steps, queriesPerStep: qp, queryRows, weightSets, state };
    })();
  } finally {
    d.close();
  }
}

function emaOf(b: Buffer): Float64Array {
  const copy = Buffer.from(b);
  return new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8);
}

/** query rows of one step: uid, status, score, ema */
export function stepQueries(db: string, step: number): { uid: number; status: string; score: number; ema: number; error: string | null }[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare('SELECT uid, status, score, ema, error FROM queries WHERE step = ? ORDER BY uid').all(step) as never;
  } finally {
    d.close();
  }
}

export function integrityCheck(db: string): string {
  const d = new Database(db, { fileMustExist: true });
  try {
    return String(d.pragma('integrity_check', { simple: true }));
  } finally {
    d.close();
  }
}

/**
 * Records, from the chain itself, every block in which `LastUpdate[netuid][uid]` changed (a
 * weight set by that uid was applied). Works on an in-process local chain.
 */
export function watchLastUpdate(chain: RunningLocalChain, netuid: number, uid: number): { blocks: number[]; stop: () => void } {
  const prefix = xxhashAsHex('SubtensorModule', 128) + xxhashAsHex('LastUpdate', 128).slice(2);
  const blocks: number[] = [];
  let last: number | null = null;
  const on = (rec: { number: number }, changes: Map<string, unknown>) => {
    for (const k of changes.keys()) {
      if (!k.startsWith(prefix)) continue;
      const v = chain.chain.storageAt(k);
      if (!v) continue;
      const lu = decodeVecU64(v, netuid, k);
      const mine = lu[uid];
      if (mine !== undefined && mine !== last) {
        if (last !== null || mine !== 0) blocks.push(rec.number);
        last = mine;
      }
    }
  };
  chain.chain.on('block', on);
  return { blocks, stop: () => chain.chain.off('block', on) };
}

function decodeVecU64(v: Uint8Array, _netuid: number, _key: string): number[] {
  // SCALE: compact length, then u64 LE values
  let off = 0;
  let len: number;
  const b0 = v[0];
  const mode = b0 & 3;
  if (mode === 0) {
    len = b0 >> 2;
    off = 1;
  } else if (mode === 1) {
    len = (v[0] | (v[1] << 8)) >> 2;
    off = 2;
  } else {
    len = (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 2;
    off = 4;
  }
  const out: number[] = [];
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  for (let i = 0; i < len; i++) out.push(Number(dv.getBigUint64(off + 8 * i, true)));
  return out;
}

/** open file descriptors of this process (or of `pid`) */
export function fdCount(pid: number | 'self' = 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** live libuv handles by kind (TCPSocketWrap, TCPServerWrap, Timeout, ...) */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

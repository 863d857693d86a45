/**
 * The run folder: everything one devnet run writes lives under one directory.
 *
 *   DIR/devnet.json                 manifest: options, chain url, every neuron (role, kind, hotkey, uid, pid, port, files)
 *   DIR/pids.json                   live child process groups (read by the reaper)
 *   DIR/summary.json                the final summary (same object as `--json` prints)
 *   DIR/epochs.jsonl                one line per completed epoch (the live table's rows)
 *   DIR/chain/                      the local chain's database and log
 *   DIR/wallets/<name>/...          bittensor wallet layout (coldkey, coldkeypub.txt, hotkeys/default)
 *   DIR/models/<variant>.onnx       generated models (reference, noisy, quantised)
 *   DIR/miners/<name>/miner.log
 *   DIR/validators/<name>/validator.db, validator.log
 */
import { mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SubnetError } from '../shared/errors';

export interface RunLayout {
  root: string;
  manifest: string;
  pidFile: string;
  summary: string;
  epochsLog: string;
  devnetLog: string;
  chainDir: string;
  chainDb: string;
  chainLog: string;
  genesis: string;
  walletsDir: string;
  modelsDir: string;
  minersDir: string;
  validatorsDir: string;
}

export function layoutFor(root: string): RunLayout {
  const r = resolve(root);
  return {
    root: r,
    manifest: join(r, 'devnet.json'),
    pidFile: join(r, 'pids.json'),
    summary: join(r, 'summary.json'),
    epochsLog: join(r, 'epochs.jsonl'),
    devnetLog: join(r, 'devnet.log'),
    chainDir: join(r, 'chain'),
    chainDb: join(r, 'chain', 'chain.db'),
    chainLog: join(r, 'chain', 'chain.log'),
    genesis: join(r, 'chain', 'genesis.json'),
    walletsDir: join(r, 'wallets'),
    modelsDir: join(r, 'models'),
    minersDir: join(r, 'miners'),
    validatorsDir: join(r, 'validators'),
  };
}

export function minerName(i: number): string {
  return `miner-${i}`;
}
export function validatorName(i: number): string {
  return `validator-${i}`;
}

export function minerFiles(l: RunLayout, name: string): { dir: string; log: string } {
  const dir = join(l.minersDir, name);
  return { dir, log: join(dir, 'miner.log') };
}

export function validatorFiles(l: RunLayout, name: string): { dir: string; log: string; db: string } {
  const dir = join(l.validatorsDir, name);
  return { dir, log: join(dir, 'validator.log'), db: join(dir, 'validator.db') };
}

/** A fresh default run folder name: runs/<UTC timestamp>-<pid> under `base`. */
export function defaultRunDir(base: string, now = new Date(), pid = process.pid): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(resolve(base), 'runs', `${ts}-${pid}`);
}

/**
 * Creates the folder tree. An existing DIR is accepted only when empty, so that two runs never
 * mix their databases (a validator would resume another run's EMA).
 */
export function createRunDir(l: RunLayout, minerNames: string[], validatorNames: string[]): void {
  if (existsSync(l.root)) {
    const entries = readdirSync(l.root);
    if (entries.length > 0) {
      throw new SubnetError('DEVNET_RUN_DIR_NOT_EMPTY', `run folder ${l.root} is not empty; give a new or empty --run-dir`, { dir: l.root });
    }
  }
  for (const d of [l.root, l.chainDir, l.walletsDir, l.modelsDir, l.minersDir, l.validatorsDir]) mkdirSync(d, { recursive: true });
  for (const n of minerNames) mkdirSync(minerFiles(l, n).dir, { recursive: true });
  for (const n of validatorNames) mkdirSync(validatorFiles(l, n).dir, { recursive: true });
}

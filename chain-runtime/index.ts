/**
 * The real-runtime lane: subtensor's own runtime (from a raw chain spec or a wasm the USER
 * supplies; never committed) under @acala-network/chopsticks, with a dev genesis built at start by
 * the runtime's own GenesisBuilder API: //Alice is sudo and the Aura authority, //Alice … //Ferdie
 * are funded. Serves Substrate JSON-RPC on `ws://host:port` (port 0 = any free port).
 *
 * chopsticks is an optional dependency and is loaded lazily. On Node 20 npm never installs an
 * optional dependency whose `engines` says node >= 22, so a second location is tried:
 * `$SUBNET_CHOPSTICKS_DIR` or `<project>/.runtime/chopsticks` (see docs/chain-client.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bnToU8a, compactFromU8a, compactToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex, u8aToString } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, xxhashAsHex } from '@polkadot/util-crypto';
import { SubnetError, errorMessage } from '../shared/errors';
import { startRelay, type Relay } from './proxy';
import { packageRoot } from '../shared/paths';

export type RuntimeBlockMode = 'instant' | 'batch' | 'manual';

export interface RuntimeChainOptions {
  /** path to a raw chain spec (.json with genesis.raw.top[':code']), a runtime .wasm, or a hex file */
  spec: string;
  host?: string;
  /** 0 = any free port */
  port?: number;
  blockMode?: RuntimeBlockMode;
  /** free balance of each dev account, in rao (default 1,000,000 TAO) */
  devBalance?: bigint;
  /** chopsticks' own log level (pino): default 'warn' (set LOG_LEVEL to override) */
  logLevel?: string;
}

export interface RuntimeChain {
  url: string;
  port: number;
  specName: string;
  specVersion: number;
  /** ms spent building the dev genesis */
  genesisMs: number;
  close(): Promise<void>;
}

export const DEV_ACCOUNTS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'] as const;
const CODE_KEY = '0x3a636f6465'; // ':code'
/** Timestamp.Now of the dev genesis: 2025-01-01T00:00:00Z; blocks then advance by the slot duration */
export const GENESIS_TIMESTAMP_MS = 1_735_689_600_000n;

interface ChopsticksCore {
  getRuntimeVersion(code: string): Promise<{ specName: string; specVersion: number; apis: [string, number][] }>;
  runTask(task: { wasm: string; calls: [string, string[]][]; mockSignatureHost: boolean; allowUnresolvedImports: boolean; runtimeLogLevel: number }, callback: unknown): Promise<{ Call: { result: string; storageDiff: [string, string | null][] } } | { Error: string }>;
}
interface Chopsticks extends ChopsticksCore {
  destroyWorker?(): Promise<void>;
  setupWithServer(config: Record<string, unknown>): Promise<{ addr: string; close(): Promise<void> }>;
}

/** Loads chopsticks lazily from node_modules, then from $SUBNET_CHOPSTICKS_DIR or .runtime/chopsticks. */
export function loadChopsticks(): Chopsticks {
  const name = '@acala-network/chopsticks';
  const tried: string[] = [];
  const candidates = [name];
  const dirs = [process.env.SUBNET_CHOPSTICKS_DIR, join(packageRoot(), '.runtime', 'chopsticks')].filter((d): d is string => Boolean(d));
  for (const d of dirs) candidates.push(join(resolve(d), 'node_modules', name));
  if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = 'warn';
  for (const c of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(c) as Chopsticks;
    } catch (err) {
      tried.push(`${c}: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  throw new SubnetError(
    'CHAIN_RUNTIME_MISSING',
    'the real-runtime lane needs @acala-network/chopsticks@1.5.1 (an optional dependency). On Node >= 22 `npm install` adds it; ' +
      'on Node 20 run: npm install --prefix .runtime/chopsticks @acala-network/chopsticks@1.5.1 && rm -rf .runtime/chopsticks/node_modules/@polkadot',
    { tried },
  );
}

/** Reads the runtime code (hex) from a raw spec, a .wasm or a hex text file. */
export function readRuntimeCode(spec: string): string {
  if (!spec) throw new SubnetError('CHAIN_RUNTIME_SPEC', 'no runtime spec given', {});
  if (!existsSync(spec)) throw new SubnetError('CHAIN_RUNTIME_SPEC', `runtime spec not found: ${spec}`, { spec });
  const buf = readFileSync(spec);
  if (buf.length >= 4 && buf[0] === 0x00 && buf[1] === 0x61 && buf[2] === 0x73 && buf[3] === 0x6d) return u8aToHex(buf); // \0asm
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05]))) return u8aToHex(buf); // zstd-compressed wasm prefix
  const text = buf.toString('utf8').trim();
  if (/^0x[0-9a-fA-F]+$/.test(text)) return text;
  let json: { genesis?: { raw?: { top?: Record<string, string> } } };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new SubnetError('CHAIN_RUNTIME_SPEC', `${spec} is neither a raw chain spec (JSON), a wasm nor a hex file`, { spec });
  }
  const code = json.genesis?.raw?.top?.[CODE_KEY];
  if (!code) throw new SubnetError('CHAIN_RUNTIME_SPEC', `${spec} has no genesis.raw.top[":code"] (a raw chain spec is needed)`, { spec });
  return code;
}

const noStorage = {
  getStorage: async () => undefined,
  getNextKey: async () => undefined,
  offchainGetStorage: async () => undefined,
  offchainTimestamp: async () => Date.now(),
  offchainRandomSeed: async () => `0x${'00'.repeat(32)}`,
  offchainSubmitTransaction: async () => false,
};

async function callRuntime(core: ChopsticksCore, code: string, method: string, arg: string): Promise<{ result: Uint8Array; storageDiff: [string, string | null][] }> {
  const r = await core.runTask({ wasm: code, calls: [[method, [arg]]], mockSignatureHost: false, allowUnresolvedImports: true, runtimeLogLevel: 0 }, noStorage);
  if ('Error' in r) throw new SubnetError('CHAIN_RUNTIME_SPEC', `runtime call ${method} failed: ${r.Error}`, { method });
  return { result: hexToU8a(r.Call.result), storageDiff: r.Call.storageDiff };
}

/** SCALE Vec<u8> → bytes */
function decodeBytes(u8a: Uint8Array, offset = 0): Uint8Array {
  const [len, n] = compactFromU8a(u8a.subarray(offset));
  return u8a.subarray(offset + len, offset + len + n.toNumber());
}

/**
 * Builds a dev genesis storage (raw `top`) from the runtime code with its GenesisBuilder API:
 * default preset → patch (sudo, balances, aura) → build_state. Exported for tests/tools.
 */
export async function buildDevGenesis(core: ChopsticksCore, code: string, devBalance: bigint): Promise<{ top: Record<string, string>; specName: string; specVersion: number }> {
  const version = await core.getRuntimeVersion(code);
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const dev = DEV_ACCOUNTS.map((u) => keyring.addFromUri(u).address);
  const edKeyring = new Keyring({ type: 'ed25519', ss58Format: 42 });
  const aliceEd = edKeyring.addFromUri('//Alice').address;

  let configJson: Uint8Array;
  let build = 'GenesisBuilder_build_state';
  try {
    const { result } = await callRuntime(core, code, 'GenesisBuilder_get_preset', '0x00'); // Option<Vec<u8>> None → default
    if (result[0] !== 1) throw new Error('no default preset');
    configJson = decodeBytes(result, 1);
  } catch (err) {
    try {
      // older GenesisBuilder (v1): create_default_config() -> Vec<u8>, build_config(Vec<u8>)
      const { result } = await callRuntime(core, code, 'GenesisBuilder_create_default_config', '0x');
      configJson = decodeBytes(result);
      build = 'GenesisBuilder_build_config';
    } catch {
      throw new SubnetError('CHAIN_RUNTIME_SPEC', `this runtime (${version.specName} ${version.specVersion}) has no GenesisBuilder API: ${errorMessage(err)}`, {});
    }
  }
  const config = JSON.parse(u8aToString(configJson)) as Record<string, Record<string, unknown>>;
  config.sudo = { ...(config.sudo ?? {}), key: dev[0] };
  config.balances = { ...(config.balances ?? {}), balances: dev.map((a) => [a, Number(devBalance) <= Number.MAX_SAFE_INTEGER ? Number(devBalance) : devBalance.toString()]) };
  if (config.aura) config.aura = { ...config.aura, authorities: [dev[0]] };
  if (config.grandpa) config.grandpa = { ...config.grandpa, authorities: [[aliceEd, 1]] };
  if (config.subtensorModule && 'balancesIssuance' in config.subtensorModule) {
    config.subtensorModule = { ...config.subtensorModule, balancesIssuance: Number(devBalance) * dev.length };
  }
  const jsonBytes = stringToU8a(JSON.stringify(config));
  const { result, storageDiff } = await callRuntime(core, code, build, u8aToHex(u8aConcat(compactToU8a(jsonBytes.length), jsonBytes)));
  // Result<(), String>: 0x00 = Ok
  if (result.length > 0 && result[0] !== 0) {
    throw new SubnetError('CHAIN_RUNTIME_SPEC', `${build} failed: ${u8aToString(decodeBytes(result, 1))}`, {});
  }
  const top: Record<string, string> = {};
  for (const [k, v] of storageDiff) if (v !== null) top[k] = v;
  top[CODE_KEY] = code;
  // Timestamp.Now at genesis: without it chopsticks reads Date.now() twice per first block (Aura
  // pre-digest slot, then the timestamp inherent) and the block fails "Timestamp slot must match
  // CurrentSlot" when the two straddle a slot boundary.
  const nowKey = xxhashAsHex('Timestamp', 128) + xxhashAsHex('Now', 128).slice(2);
  // A fixed value keeps the dev genesis (and its hash) deterministic across restarts.
  if (!top[nowKey]) top[nowKey] = u8aToHex(bnToU8a(GENESIS_TIMESTAMP_MS, { bitLength: 64, isLe: true }));
  return { top, specName: version.specName, specVersion: version.specVersion };
}

/** Open chains in this process: chopsticks' wasm worker is shared, so it is destroyed with the last one. */
let openChains = 0;

/** Starts subtensor's runtime under chopsticks with a dev genesis. */
export async function startRuntimeChain(opts: RuntimeChainOptions): Promise<RuntimeChain> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 9944;
  const blockMode = opts.blockMode ?? 'instant';
  if (!['instant', 'batch', 'manual'].includes(blockMode)) {
    throw new SubnetError('CHAIN_BAD_INPUT', `block mode must be instant, batch or manual, got ${blockMode}`, { blockMode });
  }
  if (opts.logLevel && !process.env.LOG_LEVEL) process.env.LOG_LEVEL = opts.logLevel;
  const code = readRuntimeCode(opts.spec);
  const chopsticks = loadChopsticks();
  // the public port first: a busy port fails fast (CHAIN_PORT_IN_USE), before the genesis is built
  const relay = await startRelay(host, port);
  const t0 = Date.now();
  openChains++;
  const release = async () => {
    openChains--;
    if (openChains === 0) await chopsticks.destroyWorker?.().catch(() => undefined);
  };
  let top: Record<string, string>;
  let specName: string;
  let specVersion: number;
  let server: { addr: string; close(): Promise<void> };
  try {
    ({ top, specName, specVersion } = await buildDevGenesis(chopsticks, code, opts.devBalance ?? 1_000_000_000_000_000n));
  } catch (err) {
    await relay.close();
    await release();
    throw err;
  }
  const genesisMs = Date.now() - t0;
  const genesis = {
    id: 'subnet-dev',
    name: `${specName} ${specVersion} dev (chopsticks)`,
    properties: { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' },
    genesis: { raw: { top } },
  };
  try {
    // chopsticks on a private loopback port; the relay owns the public host:port (see proxy.ts)
    server = await chopsticks.setupWithServer({
      genesis,
      host: '127.0.0.1',
      port: 0,
      'build-block-mode': blockMode === 'instant' ? 'Instant' : blockMode === 'batch' ? 'Batch' : 'Manual',
      'allow-unresolved-imports': true,
      'runtime-log-level': 0,
    });
  } catch (err) {
    await relay.close();
    await release();
    throw new SubnetError('CHAIN_RUNTIME_SPEC', `chopsticks could not start the runtime: ${errorMessage(err)}`, { spec: opts.spec }, { cause: err });
  }
  relay.setUpstream(`ws://${server.addr}`);
  let closed = false;
  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${relay.port}`,
    port: relay.port,
    specName,
    specVersion,
    genesisMs,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await relay.close();
        await server.close();
      } finally {
        await release();
      }
    },
  };
}

/**
 * bittensor's wallet layout on disk (btwallet 4.x):
 *   <path>/<name>/coldkey              keyfile (usually $NACL-encrypted)
 *   <path>/<name>/coldkeypub.txt       public keyfile
 *   <path>/<name>/hotkeys/<hotkey>     keyfile (usually plain)
 *   <path>/<name>/hotkeys/<hotkey>pub.txt
 * Files are written 0600, folders 0700. Reading an encrypted keyfile needs a password: the
 * `password` option, else btwallet's `BT_PW_<PATH>` variable, else `BT_WALLET_PASSWORD`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SubnetError, errorMessage } from '../errors';
import type { WalletLocation } from './interface';
import {
  NACL_KDF,
  btPasswordEnvName,
  decodeBtPassword,
  decryptKeyfile,
  encryptKeyfile,
  keyfileEncryption,
  parseKeyfile,
  serializeKeyfile,
  serializePublicKeyfile,
  type KdfParams,
  type KeyfileContents,
} from './keyfile';
import { generateMnemonic, keypairFromMnemonic, type Sr25519Keypair } from './keypair';

export const defaultWalletLocation: Readonly<WalletLocation> = Object.freeze({ name: 'default', hotkey: 'default', path: '~/.bittensor/wallets' });

/** Our plain password variable (btwallet's own per-file `BT_PW_…` variable is also honoured). */
export const WALLET_PASSWORD_ENV = 'BT_WALLET_PASSWORD';

/** Fills missing fields from `BT_WALLET_NAME`, `BT_WALLET_HOTKEY`, `BT_WALLET_PATH` (as btwallet), then the defaults. */
export function resolveWalletLocation(partial: Partial<WalletLocation> = {}, env: NodeJS.ProcessEnv = process.env): WalletLocation {
  return {
    name: partial.name ?? env.BT_WALLET_NAME ?? defaultWalletLocation.name,
    hotkey: partial.hotkey ?? env.BT_WALLET_HOTKEY ?? defaultWalletLocation.hotkey,
    path: partial.path ?? env.BT_WALLET_PATH ?? defaultWalletLocation.path,
  };
}

/** `~` → home folder, then absolute. */
export function expandPath(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return resolve(p);
}

function checkName(kind: string, name: string): void {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new SubnetError('WALLET_NOT_FOUND', `invalid ${kind} name ${JSON.stringify(name)}`, { [kind]: name });
  }
}

export interface WalletPaths {
  dir: string;
  coldkey: string;
  coldkeypub: string;
  hotkeysDir: string;
  hotkey: string;
  hotkeypub: string;
}

export function walletPaths(loc: WalletLocation): WalletPaths {
  checkName('wallet', loc.name);
  checkName('hotkey', loc.hotkey);
  const dir = join(expandPath(loc.path), loc.name);
  const hotkeysDir = join(dir, 'hotkeys');
  return {
    dir,
    coldkey: join(dir, 'coldkey'),
    coldkeypub: join(dir, 'coldkeypub.txt'),
    hotkeysDir,
    hotkey: join(hotkeysDir, loc.hotkey),
    hotkeypub: join(hotkeysDir, `${loc.hotkey}pub.txt`),
  };
}

export interface ReadKeyOptions {
  /** password for an encrypted keyfile */
  password?: string;
  /** environment for BT_PW_… / BT_WALLET_PASSWORD (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** Argon2i cost; only for tests (bittensor always uses NACL_KDF) */
  kdf?: KdfParams;
}

function readBytes(path: string, missingCode: 'HOTKEY_NOT_FOUND' | 'COLDKEY_NOT_FOUND' | 'WALLET_NOT_FOUND', walletDir: string): Uint8Array {
  if (!existsSync(walletDir)) throw new SubnetError('WALLET_NOT_FOUND', `wallet not found: ${walletDir} does not exist (create one with \`subnet wallet create\`)`, { path: walletDir });
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SubnetError(missingCode, `${missingCode === 'HOTKEY_NOT_FOUND' ? 'hotkey' : 'key'} file not found: ${path}`, { path });
    throw new SubnetError('KEYFILE_UNREADABLE', `cannot read keyfile ${path}: ${errorMessage(err)}`, { path, errno: code });
  }
}

/** Decrypts when needed and parses. */
export async function openKeyfile(data: Uint8Array, path: string, opts: ReadKeyOptions = {}): Promise<KeyfileContents> {
  const enc = keyfileEncryption(data);
  if (enc === undefined) return parseKeyfile(data, path);
  if (enc !== 'nacl') return parseKeyfile(await decryptKeyfile(data, '', path), path); // throws UNSUPPORTED
  const env = opts.env ?? process.env;
  const btName = btPasswordEnvName(path);
  const password = opts.password ?? (env[btName] !== undefined ? decodeBtPassword(env[btName]!, btName) : undefined) ?? env[WALLET_PASSWORD_ENV];
  if (password === undefined) {
    throw new SubnetError('KEYFILE_ENCRYPTED', `keyfile ${path} is encrypted: set ${WALLET_PASSWORD_ENV} (or btwallet's ${btName}) to its password`, { path });
  }
  return parseKeyfile(await decryptKeyfile(data, password, path, opts.kdf ?? NACL_KDF), path);
}

function needSecret(c: KeyfileContents, path: string): Sr25519Keypair {
  if (!c.keypair) throw new SubnetError('KEYFILE_NO_SECRET', `keyfile ${path} holds only a public key`, { path });
  return c.keypair;
}

/** The wallet's hotkey (`<path>/<name>/hotkeys/<hotkey>`), with its secret. */
export async function loadHotkey(loc: WalletLocation, opts: ReadKeyOptions = {}): Promise<Sr25519Keypair> {
  const p = walletPaths(loc);
  return needSecret(await openKeyfile(readBytes(p.hotkey, 'HOTKEY_NOT_FOUND', p.dir), p.hotkey, opts), p.hotkey);
}

/** The wallet's coldkey, with its secret (usually needs a password). */
export async function loadColdkey(loc: WalletLocation, opts: ReadKeyOptions = {}): Promise<Sr25519Keypair> {
  const p = walletPaths(loc);
  return needSecret(await openKeyfile(readBytes(p.coldkey, 'COLDKEY_NOT_FOUND', p.dir), p.coldkey, opts), p.coldkey);
}

/** The coldkey's public part from coldkeypub.txt. */
export function loadColdkeyPub(loc: WalletLocation): { address: string; publicKey: Uint8Array } {
  const p = walletPaths(loc);
  const c = parseKeyfile(readBytes(p.coldkeypub, 'COLDKEY_NOT_FOUND', p.dir), p.coldkeypub);
  return { address: c.address, publicKey: c.publicKey };
}

/** The hotkey's public part: hotkeys/<h>pub.txt, else the (plain) hotkey file itself. */
export function loadHotkeyPub(loc: WalletLocation): { address: string; publicKey: Uint8Array } {
  const p = walletPaths(loc);
  const path = existsSync(p.hotkeypub) ? p.hotkeypub : p.hotkey;
  const data = readBytes(path, 'HOTKEY_NOT_FOUND', p.dir);
  if (keyfileEncryption(data)) throw new SubnetError('KEYFILE_ENCRYPTED', `hotkey ${p.hotkey} is encrypted and has no ${p.hotkeypub}`, { path: p.hotkey });
  const c = parseKeyfile(data, path);
  return { address: c.address, publicKey: c.publicKey };
}

/** Writes `data` to `path` with mode 0600 (atomically: temp file + rename). */
export function writeKeyfileBytes(path: string, data: Uint8Array, overwrite: boolean): void {
  if (!overwrite && existsSync(path)) throw new SubnetError('WALLET_EXISTS', `${path} exists (use --overwrite to replace it)`, { path });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export interface CreateKeyOptions {
  /** replace existing files (otherwise WALLET_EXISTS) */
  overwrite?: boolean;
  /** encrypt with this password ($NACL); undefined = store unencrypted */
  password?: string;
  /** use this keypair instead of a new random mnemonic */
  keypair?: Sr25519Keypair;
  kdf?: KdfParams;
}

export interface CreatedKey {
  address: string;
  path: string;
  pubPath: string;
  encrypted: boolean;
  /** the new key's mnemonic (show it once to the user so they can back it up) */
  mnemonic?: string;
}

async function writeKey(path: string, pubPath: string, opts: CreateKeyOptions): Promise<CreatedKey> {
  const overwrite = opts.overwrite ?? false;
  if (!overwrite) {
    for (const p of [path, pubPath]) if (existsSync(p)) throw new SubnetError('WALLET_EXISTS', `${p} exists (use --overwrite to replace it)`, { path: p });
  }
  const kp = opts.keypair ?? keypairFromMnemonic(generateMnemonic(12));
  const plain = serializeKeyfile(kp);
  const data = opts.password !== undefined ? await encryptKeyfile(plain, opts.password, opts.kdf ?? NACL_KDF) : plain;
  writeKeyfileBytes(path, data, overwrite);
  writeKeyfileBytes(pubPath, serializePublicKeyfile(kp.publicKey), overwrite);
  const mnemonic = kp.exportSecret().mnemonic;
  return { address: kp.address, path, pubPath, encrypted: opts.password !== undefined, ...(mnemonic ? { mnemonic } : {}) };
}

/** A new coldkey (coldkey + coldkeypub.txt). */
export function createColdkey(loc: WalletLocation, opts: CreateKeyOptions = {}): Promise<CreatedKey> {
  const p = walletPaths(loc);
  return writeKey(p.coldkey, p.coldkeypub, opts);
}

/** A new hotkey (hotkeys/<h> + hotkeys/<h>pub.txt). */
export function createHotkey(loc: WalletLocation, opts: CreateKeyOptions = {}): Promise<CreatedKey> {
  const p = walletPaths(loc);
  return writeKey(p.hotkey, p.hotkeypub, opts);
}

export interface CreateWalletOptions {
  overwrite?: boolean;
  /** coldkey password; undefined = unencrypted coldkey (local work only) */
  password?: string;
  coldkey?: Sr25519Keypair;
  hotkey?: Sr25519Keypair;
  kdf?: KdfParams;
}

/**
 * A coldkey and a hotkey. Without `overwrite`, checks all four files first and writes nothing if
 * any exists (WALLET_EXISTS).
 */
export async function createWallet(loc: WalletLocation, opts: CreateWalletOptions = {}): Promise<{ coldkey: CreatedKey; hotkey: CreatedKey }> {
  const p = walletPaths(loc);
  if (!opts.overwrite) {
    for (const f of [p.coldkey, p.coldkeypub, p.hotkey, p.hotkeypub]) if (existsSync(f)) throw new SubnetError('WALLET_EXISTS', `${f} exists (use --overwrite to replace it)`, { path: f });
  }
  const coldkey = await createColdkey(loc, { overwrite: opts.overwrite, password: opts.password, keypair: opts.coldkey, kdf: opts.kdf });
  const hotkey = await createHotkey(loc, { overwrite: opts.overwrite, keypair: opts.hotkey });
  return { coldkey, hotkey };
}

/** Whether the coldkey file is encrypted; null when there is no coldkey file (only coldkeypub.txt). */
export function coldkeyEncrypted(loc: WalletLocation): boolean | null {
  try {
    return keyfileEncryption(readFileSync(walletPaths(loc).coldkey)) !== undefined;
  } catch {
    return null;
  }
}

export interface WalletSummary {
  name: string;
  path: string;
  coldkey?: { address: string; encrypted: boolean } | { error: string; code: string };
  hotkeys: ({ name: string; address: string } | { name: string; error: string; code: string })[];
}

function summaryError(err: unknown): { error: string; code: string } {
  return { error: errorMessage(err), code: err instanceof SubnetError ? err.code : 'KEYFILE_UNREADABLE' };
}

/** Summary of one wallet (public parts only; never decrypts). */
export function describeWallet(walletsPath: string, name: string): WalletSummary {
  const loc: WalletLocation = { path: walletsPath, name, hotkey: 'default' };
  const p = walletPaths(loc);
  if (!existsSync(p.dir)) throw new SubnetError('WALLET_NOT_FOUND', `wallet not found: ${p.dir}`, { path: p.dir });
  const out: WalletSummary = { name, path: p.dir, hotkeys: [] };
  if (existsSync(p.coldkeypub) || existsSync(p.coldkey)) {
    try {
      const pub = loadColdkeyPub(loc);
      out.coldkey = { address: pub.address, encrypted: coldkeyEncrypted(loc) ?? false };
    } catch (err) {
      out.coldkey = summaryError(err);
    }
  }
  let files: string[] = [];
  try {
    files = readdirSync(p.hotkeysDir);
  } catch {
    /* no hotkeys */
  }
  for (const f of files.sort()) {
    if (f.endsWith('pub.txt') || f.includes('.tmp-')) continue;
    try {
      if (!statSync(join(p.hotkeysDir, f)).isFile()) continue;
      out.hotkeys.push({ name: f, address: loadHotkeyPub({ ...loc, hotkey: f }).address });
    } catch (err) {
      out.hotkeys.push({ name: f, ...summaryError(err) });
    }
  }
  return out;
}

/** All wallets under `walletsPath` (folders), sorted by name. A missing folder is an empty list. */
export function listWallets(walletsPath: string): WalletSummary[] {
  const root = expandPath(walletsPath);
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SubnetError('KEYFILE_UNREADABLE', `cannot read ${root}: ${errorMessage(err)}`, { path: root });
  }
  return names.map((n) => describeWallet(walletsPath, n));
}

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { keysReady, loadColdkey, loadColdkeyPub, loadHotkey } from '../../shared/keys';

let dir: string;
beforeAll(async () => {
  await keysReady();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'subnet-e2e-wallet-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Created {
  name: string;
  path: string;
  coldkey: { address: string; encrypted: boolean; path: string };
  hotkey: { name: string; address: string; path: string };
}

/** The caller's wallet variables must not leak into the child (undefined = unset for spawn). */
const clean = (): NodeJS.ProcessEnv => ({ BT_WALLET_PASSWORD: undefined, BT_WALLET_NAME: undefined, BT_WALLET_HOTKEY: undefined, BT_WALLET_PATH: undefined });

test('subnet wallet create (--no-password) then read back with the library, show and list', async () => {
  const r = await runCli(['wallet', 'create', '--wallet.path', dir, '--wallet.name', 'miner', '--wallet.hotkey', 'hk1', '--no-password', '--json'], { env: clean() });
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as Created;
  expect(out.coldkey.encrypted).toBe(false);
  expect(out.hotkey).toMatchObject({ name: 'hk1', path: join(dir, 'miner', 'hotkeys', 'hk1') });
  const loc = { path: dir, name: 'miner', hotkey: 'hk1' };
  expect((await loadHotkey(loc)).address).toBe(out.hotkey.address);
  expect((await loadColdkey(loc)).address).toBe(out.coldkey.address);
  expect(loadColdkeyPub(loc).address).toBe(out.coldkey.address);
  expect(statSync(join(dir, 'miner', 'hotkeys', 'hk1')).mode & 0o777).toBe(0o600);

  const show = await runCli(['wallet', 'show', '--wallet.path', dir, '--wallet.name', 'miner', '--wallet.hotkey', 'hk1', '--json']);
  expect(show.code).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({ coldkey: { address: out.coldkey.address, encrypted: false }, hotkey: { name: 'hk1', address: out.hotkey.address } });

  const list = await runCli(['wallet', 'list', '--wallet.path', dir, '--json']);
  expect(JSON.parse(list.stdout).wallets).toEqual([expect.objectContaining({ name: 'miner', hotkeys: [{ name: 'hk1', address: out.hotkey.address }] })]);

  // refuses to overwrite, keeps the keys
  const again = await runCli(['wallet', 'create', '--wallet.path', dir, '--wallet.name', 'miner', '--wallet.hotkey', 'hk1', '--no-password'], { env: clean() });
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/exists.*--overwrite/);
  expect((await loadHotkey(loc)).address).toBe(out.hotkey.address);
});

test('encrypted coldkey with BT_WALLET_PASSWORD (real btwallet Argon2i parameters) and a hotkey from a URI', async () => {
  const r = await runCli(['wallet', 'create', '--wallet.path', dir, '--wallet.name', 'v', '--hotkey-uri', '//Alice', '--json'], { env: { ...clean(), BT_WALLET_PASSWORD: 'hunter2' } });
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as Created;
  expect(out.coldkey.encrypted).toBe(true);
  expect(out.hotkey.address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
  const loc = { path: dir, name: 'v', hotkey: 'default' };
  // one real-parameter decryption (≈ 3–9 s of Argon2i); wrong passwords are covered by the unit tests
  expect((await loadColdkey(loc, { password: 'hunter2' })).address).toBe(out.coldkey.address);
}, 90_000);

test('no password and no terminal: a clear error, nothing written', async () => {
  const r = await runCli(['wallet', 'create', '--wallet.path', dir, '--wallet.name', 'x'], { env: clean() });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/BT_WALLET_PASSWORD|--no-password/);
  const list = await runCli(['wallet', 'list', '--wallet.path', dir, '--json']);
  expect(JSON.parse(list.stdout).wallets).toEqual([]);
});

test('missing wallet and corrupt hotkey give coded one-line errors', async () => {
  const missing = await runCli(['wallet', 'show', '--wallet.path', dir, '--wallet.name', 'nope']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/\[WALLET_NOT_FOUND\]/);
  await runCli(['wallet', 'create', '--wallet.path', dir, '--wallet.name', 'c', '--no-password'], { env: clean() });
  writeFileSync(join(dir, 'c', 'hotkeys', 'defaultpub.txt'), '{"ss58Address": 12');
  const corrupt = await runCli(['wallet', 'show', '--wallet.path', dir, '--wallet.name', 'c']);
  expect(corrupt.code).toBe(1);
  expect(corrupt.stderr).toMatch(/\[KEYFILE_CORRUPT\]/);
  expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
});

import type { Command } from 'commander';
import { CliError } from '../cliError';

/**
 * `subnet wallet create|new-coldkey|new-hotkey|list|show`: bittensor-compatible wallets
 * (`<path>/<name>/coldkey`, `coldkeypub.txt`, `hotkeys/<hotkey>`, `hotkeys/<hotkey>pub.txt`).
 * The coldkey is $NACL-encrypted with a password from BT_WALLET_PASSWORD or a prompt; `--no-password`
 * stores it unencrypted (local work only). Hotkeys are stored unencrypted, as btwallet does.
 */

interface WalletCliOptions {
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
  json?: boolean;
}

interface CreateCliOptions extends WalletCliOptions {
  password: boolean;
  overwrite?: boolean;
  coldkeyUri?: string;
  hotkeyUri?: string;
}

function walletOptions(c: Command): Command {
  return c
    .option('--wallet.name <name>', 'wallet name (default: $BT_WALLET_NAME or "default")')
    .option('--wallet.hotkey <name>', 'hotkey name (default: $BT_WALLET_HOTKEY or "default")')
    .option('--wallet.path <dir>', 'folder of wallets (default: $BT_WALLET_PATH or ~/.bittensor/wallets)')
    .option('--json', 'print one JSON object');
}

async function location(o: WalletCliOptions) {
  const { resolveWalletLocation } = await import('../../shared/keys');
  return resolveWalletLocation({ name: o['wallet.name'], hotkey: o['wallet.hotkey'], path: o['wallet.path'] });
}

/** Reads a line without echo from the terminal. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let buf = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode?.(wasRaw ?? false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled', 130));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function coldkeyPassword(o: CreateCliOptions): Promise<string | undefined> {
  if (!o.password) return undefined;
  const { WALLET_PASSWORD_ENV } = await import('../../shared/keys');
  const env = process.env[WALLET_PASSWORD_ENV];
  if (env !== undefined) {
    if (env.length === 0) throw new CliError(`${WALLET_PASSWORD_ENV} is empty`, 2);
    return env;
  }
  if (!process.stdin.isTTY) {
    throw new CliError(`the coldkey needs a password: set ${WALLET_PASSWORD_ENV}, or pass --no-password to store it unencrypted (local work only)`, 2);
  }
  const a = await promptHidden('Coldkey password: ');
  const b = await promptHidden('Retype the password: ');
  if (a !== b) throw new CliError('passwords do not match', 2);
  if (a.length === 0) throw new CliError('empty password (use --no-password to store the coldkey unencrypted)', 2);
  return a;
}

function print(o: WalletCliOptions, json: unknown, human: string[]): void {
  if (o.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else process.stdout.write(`${human.join('\n')}\n`);
}

function showMnemonic(o: WalletCliOptions, what: string, mnemonic: string | undefined): void {
  if (o.json || !mnemonic) return;
  process.stderr.write(`\nThe mnemonic of the new ${what} (write it down; anyone who has it controls the key):\n  ${mnemonic}\n\n`);
}

export function register(program: Command): void {
  const wallet = program.command('wallet').description('create and inspect bittensor-compatible wallets (coldkey, hotkeys)');

  walletOptions(
    wallet
      .command('create')
      .description('create a coldkey and a hotkey (refuses to overwrite existing keys without --overwrite)')
      .option('--no-password', 'store the coldkey unencrypted (local work only)')
      .option('--overwrite', 'replace existing key files')
      .option('--coldkey-uri <uri>', 'derive the coldkey from a secret URI (e.g. //Alice) instead of a new mnemonic')
      .option('--hotkey-uri <uri>', 'derive the hotkey from a secret URI instead of a new mnemonic'),
  ).action(async (o: CreateCliOptions) => {
    const keys = await import('../../shared/keys');
    await keys.keysReady();
    const loc = await location(o);
    const p = keys.walletPaths(loc);
    const coldkey = o.coldkeyUri ? keys.keypairFromUri(o.coldkeyUri) : undefined;
    const hotkey = o.hotkeyUri ? keys.keypairFromUri(o.hotkeyUri) : undefined;
    if (!o.overwrite) {
      // refuse before asking for a password
      const { existsSync } = await import('node:fs');
      for (const f of [p.coldkey, p.coldkeypub, p.hotkey, p.hotkeypub]) if (existsSync(f)) throw new CliError(`${f} exists (use --overwrite to replace it)`, 1);
    }
    const password = await coldkeyPassword(o);
    const { coldkey: cold, hotkey: hot } = await keys.createWallet(loc, { overwrite: o.overwrite, password, coldkey, hotkey });
    showMnemonic(o, 'coldkey', cold.mnemonic);
    showMnemonic(o, 'hotkey', hot.mnemonic);
    print(
      o,
      { name: loc.name, path: p.dir, coldkey: { address: cold.address, encrypted: cold.encrypted, path: cold.path }, hotkey: { name: loc.hotkey, address: hot.address, path: hot.path } },
      [`wallet ${loc.name} (${p.dir})`, `coldkey  ${cold.address}${cold.encrypted ? '' : '  (unencrypted)'}`, `hotkey   ${loc.hotkey}  ${hot.address}`],
    );
  });

  walletOptions(
    wallet
      .command('new-hotkey')
      .description('add a hotkey to a wallet')
      .option('--overwrite', 'replace an existing hotkey')
      .option('--uri <uri>', 'derive the hotkey from a secret URI instead of a new mnemonic'),
  ).action(async (o: WalletCliOptions & { overwrite?: boolean; uri?: string }) => {
    const keys = await import('../../shared/keys');
    await keys.keysReady();
    const loc = await location(o);
    const hot = await keys.createHotkey(loc, { overwrite: o.overwrite, keypair: o.uri ? keys.keypairFromUri(o.uri) : undefined });
    showMnemonic(o, 'hotkey', hot.mnemonic);
    print(o, { name: loc.name, hotkey: { name: loc.hotkey, address: hot.address, path: hot.path } }, [`hotkey ${loc.hotkey}  ${hot.address}  (${hot.path})`]);
  });

  walletOptions(
    wallet
      .command('new-coldkey')
      .description('create a coldkey (encrypted unless --no-password)')
      .option('--no-password', 'store the coldkey unencrypted (local work only)')
      .option('--overwrite', 'replace an existing coldkey')
      .option('--uri <uri>', 'derive the coldkey from a secret URI instead of a new mnemonic'),
  ).action(async (o: CreateCliOptions & { uri?: string }) => {
    const keys = await import('../../shared/keys');
    await keys.keysReady();
    const loc = await location(o);
    if (!o.overwrite) {
      const { existsSync } = await import('node:fs');
      const p = keys.walletPaths(loc);
      for (const f of [p.coldkey, p.coldkeypub]) if (existsSync(f)) throw new CliError(`${f} exists (use --overwrite to replace it)`, 1);
    }
    const password = await coldkeyPassword(o);
    const cold = await keys.createColdkey(loc, { overwrite: o.overwrite, password, keypair: o.uri ? keys.keypairFromUri(o.uri) : undefined });
    showMnemonic(o, 'coldkey', cold.mnemonic);
    print(o, { name: loc.name, coldkey: { address: cold.address, encrypted: cold.encrypted, path: cold.path } }, [`coldkey ${cold.address}${cold.encrypted ? '' : '  (unencrypted)'}  (${cold.path})`]);
  });

  wallet
    .command('list')
    .description('list wallets and their hotkeys (public keys only)')
    .option('--wallet.path <dir>', 'folder of wallets (default: $BT_WALLET_PATH or ~/.bittensor/wallets)')
    .option('--json', 'print one JSON object')
    .action(async (o: WalletCliOptions) => {
      const keys = await import('../../shared/keys');
      await keys.keysReady();
      const loc = await location(o);
      const wallets = keys.listWallets(loc.path);
      const lines: string[] = wallets.length === 0 ? [`no wallets in ${keys.expandPath(loc.path)}`] : [];
      for (const w of wallets) {
        const ck = w.coldkey === undefined ? '(no coldkey)' : 'address' in w.coldkey ? w.coldkey.address : `error ${w.coldkey.code}`;
        lines.push(`${w.name}  ${ck}`);
        for (const h of w.hotkeys) lines.push(`  ${h.name}  ${'address' in h ? h.address : `error ${h.code}: ${h.error}`}`);
      }
      print(o, { path: keys.expandPath(loc.path), wallets }, lines);
    });

  walletOptions(wallet.command('show').description("show a wallet's coldkey and hotkey addresses and files")).action(async (o: WalletCliOptions) => {
    const keys = await import('../../shared/keys');
    await keys.keysReady();
    const loc = await location(o);
    const p = keys.walletPaths(loc);
    const cold = keys.loadColdkeyPub(loc);
    const hot = keys.loadHotkeyPub(loc);
    const coldEncrypted = keys.coldkeyEncrypted(loc);
    print(
      o,
      {
        name: loc.name,
        path: p.dir,
        coldkey: { address: cold.address, public_key: `0x${Buffer.from(cold.publicKey).toString('hex')}`, encrypted: coldEncrypted },
        hotkey: { name: loc.hotkey, address: hot.address, public_key: `0x${Buffer.from(hot.publicKey).toString('hex')}` },
      },
      [`wallet ${loc.name} (${p.dir})`, `coldkey  ${cold.address}${coldEncrypted === false ? '  (unencrypted)' : ''}`, `hotkey   ${loc.hotkey}  ${hot.address}`],
    );
  });
}

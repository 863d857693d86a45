/**
 * One real bittensor-layout wallet per neuron under DIR/wallets: `<name>/coldkey`,
 * `coldkeypub.txt`, `hotkeys/default` (+ pub). Keys are fresh random sr25519 seeds; files are
 * unencrypted (a local devnet; the miner and validator processes read them without a password).
 */
import { randomBytes } from 'node:crypto';
import { createColdkey, createHotkey, keypairFromSeed, keysReady, type Sr25519Keypair } from '../shared/keys';

export interface NeuronWallet {
  /** wallet name = neuron name, e.g. miner-0 */
  name: string;
  hotkeyName: string;
  path: string;
  coldkey: Sr25519Keypair;
  hotkey: Sr25519Keypair;
}

export async function createNeuronWallets(walletsDir: string, names: readonly string[]): Promise<NeuronWallet[]> {
  await keysReady();
  const out: NeuronWallet[] = [];
  for (const name of names) {
    const coldkey = keypairFromSeed(randomBytes(32));
    const hotkey = keypairFromSeed(randomBytes(32));
    const loc = { path: walletsDir, name, hotkey: 'default' };
    await createColdkey(loc, { keypair: coldkey });
    await createHotkey(loc, { keypair: hotkey });
    out.push({ name, hotkeyName: 'default', path: walletsDir, coldkey, hotkey });
  }
  return out;
}

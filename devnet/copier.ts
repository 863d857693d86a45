/**
 * The weight copier of a `weight-copying` scenario (docs/simulate.md): a registered, staked
 * validator hotkey that never queries a miner. After each epoch it reads the chain's Consensus
 * vector and, `delay` epochs later, sets it (as u16 weights, shared/weights) as its own weights.
 * The pure part (`copiedWeights`) is unit-tested; `runCopier` is the I/O loop the devnet runs as
 * a separate OS process (`subnet devnet-copier`, hidden).
 */
import type { ChainClient } from '../shared/chain/interface';
import { errorMessage } from '../shared/errors';
import type { Sr25519Keypair } from '../shared/keys';
import { convertWeightsAndUidsForEmit } from '../shared/weights';
import { isEpochBlock } from './devnet';

/**
 * The weights the copier sets after `history.length` observed epochs (consensus vectors, oldest
 * first, u16-normalised fractions as the chain reports them): the consensus seen `delay` epochs
 * ago, `null` while fewer than `delay + 1` epochs were seen or when that consensus is all zero.
 * The copier's own uid is left out (a validator cannot weight itself usefully).
 */
export function copiedWeights(history: readonly (readonly number[])[], delay: number, selfUid: number): { uids: number[]; weights: number[] } | null {
  const i = history.length - 1 - delay;
  if (i < 0) return null;
  const c = history[i];
  const uids: number[] = [];
  const w: number[] = [];
  c.forEach((v, uid) => {
    if (uid !== selfUid && v > 0 && Number.isFinite(v)) {
      uids.push(uid);
      w.push(v);
    }
  });
  if (uids.length === 0) return null;
  const out = convertWeightsAndUidsForEmit(uids, w);
  return out.uids.length ? out : null;
}

export interface CopierOptions {
  netuid: number;
  /** epochs the copied consensus is old (0 = last epoch's) */
  delay: number;
}

export interface CopierComponents {
  client: ChainClient;
  signer: Sr25519Keypair;
  /** one line per event (the devnet captures it into the copier's log) */
  log: (line: string) => void;
}

/** Follows the chain until `signal` aborts; returns how many setWeights were included. */
export async function runCopier(o: CopierOptions, c: CopierComponents, { signal }: { signal?: AbortSignal } = {}): Promise<number> {
  const hotkey = c.signer.address;
  const history: number[][] = [];
  const tempo = (await c.client.hyperparameters(o.netuid, { signal })).tempo;
  let lastStep = -1;
  let busy = false;
  let included = 0;
  let pending: Promise<void> = Promise.resolve();
  const onBlock = (block: number): void => {
    if (busy || signal?.aborted) return;
    busy = true;
    pending = (async () => {
      try {
        // the newest epoch block at or before this block (blocks seen while busy are not lost)
        let step = block;
        while (step > 0 && !isEpochBlock(step, tempo, o.netuid)) step--;
        if (step <= lastStep || step === 0) return;
        lastStep = step;
        const mg = await c.client.metagraph(o.netuid);
        history.push([...mg.consensus]);
        const uid = mg.hotkeys.indexOf(hotkey);
        if (uid < 0) {
          c.log(`block ${block}: hotkey ${hotkey} not registered on subnet ${o.netuid}`);
          return;
        }
        const w = copiedWeights(history, o.delay, uid);
        if (!w) {
          c.log(`epoch at block ${step}: nothing to copy yet (${history.length} epoch(s) seen, delay ${o.delay})`);
          return;
        }
        const limit = mg.hyperparameters.weightsSetRateLimit ?? 0;
        const since = block - (mg.lastUpdate[uid] ?? 0);
        if (mg.lastUpdate[uid] && since < Number(limit)) {
          c.log(`epoch at block ${step}: rate limited (${since} < ${limit} blocks since last set)`);
          return;
        }
        const r = await c.client.setWeights(c.signer, o.netuid, w.uids, w.weights, mg.hyperparameters.weightsVersionKey ?? 0);
        if (r.status === 'included') included++;
        c.log(`epoch at block ${step}: set_weights copying consensus of ${o.delay} epoch(s) ago over uids [${w.uids.join(',')}] -> ${r.status}${r.status === 'included' ? ` in block ${r.blockNumber}` : ` (${JSON.stringify(r)})`}`);
      } catch (err) {
        c.log(`block ${block}: ${errorMessage(err)}`);
      } finally {
        busy = false;
      }
    })();
  };
  const unsub = await c.client.subscribeBlocks(onBlock);
  try {
    await new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unsub();
    await pending;
  }
  return included;
}

/**
 * EpochSource over a @polkadot/api ApiPromise (the chain client's `api`): reads
 * SubtensorModule.LastMechansimStepBlock (upstream spelling) at the head, and SubnetOwnerHotkey →
 * Uids, TaoWeight and LastMechansimStepBlock at a given block, through `api.at(hash)`. Items a
 * runtime lacks are left out (the snapshot's defaults apply).
 */
import type { EpochSource } from './interface';
import type { EpochExtras } from './snapshot';

type Q = Record<string, ((...args: unknown[]) => Promise<{ toString(): string; isSome?: boolean; isNone?: boolean; unwrap?: () => { toString(): string } }>) | undefined>;

/** The few ApiPromise members used (structural, so tests can pass a stand-in). */
export interface ApiLike {
  query: { subtensorModule?: unknown };
  rpc: { chain: { getBlockHash(n: number): Promise<{ toHex(): string }> } };
  at(hash: string): Promise<{ query: { subtensorModule?: unknown } }>;
}

function num(v: { toString(): string; isSome?: boolean; isNone?: boolean; unwrap?: () => { toString(): string } } | undefined): number | null {
  if (!v) return null;
  if (v.isNone) return null;
  const s = v.isSome && v.unwrap ? v.unwrap().toString() : v.toString();
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export class ApiEpochSource implements EpochSource {
  private readonly api: () => ApiLike;
  constructor(api: () => ApiLike) {
    this.api = api;
  }

  async lastEpochBlock(netuid: number): Promise<number | null> {
    const q = this.api().query.subtensorModule as Q | undefined;
    const f = q?.lastMechansimStepBlock;
    if (!f) return null;
    return num(await f(netuid));
  }

  async extras(netuid: number, at: number): Promise<EpochExtras> {
    const api = this.api();
    const hash = (await api.rpc.chain.getBlockHash(at)).toHex();
    const q = (await api.at(hash)).query.subtensorModule as Q | undefined;
    const out: EpochExtras = {};
    if (!q) return out;
    if (q.lastMechansimStepBlock) {
      const v = num(await q.lastMechansimStepBlock(netuid));
      if (v !== null) out.lastMechanismStepBlock = v;
    }
    if (q.subnetOwnerHotkey && q.uids) {
      const hk = await q.subnetOwnerHotkey(netuid);
      out.ownerUid = num(await q.uids(netuid, hk.toString()));
    }
    if (q.taoWeight) out.taoWeight = (await q.taoWeight()).toString();
    return out;
  }
}

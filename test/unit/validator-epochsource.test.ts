import { ApiEpochSource, type ApiLike } from '../../validator';

const codec = (v: unknown, opt = false) => ({
  toString: () => String(v),
  isSome: opt ? v !== null : undefined,
  isNone: opt ? v === null : undefined,
  unwrap: () => ({ toString: () => String(v) }),
});

function api(storage: Record<string, unknown>, calls: string[]): ApiLike {
  const q = {
    lastMechansimStepBlock: async (n: number) => (calls.push(`last(${n})`), codec(storage.last)),
    subnetOwnerHotkey: async () => codec('5Owner'),
    uids: async (_n: number, hk: string) => (calls.push(`uids(${hk})`), codec(storage.ownerUid, true)),
    taoWeight: async () => codec('971718665099567868'),
  };
  return {
    query: { subtensorModule: q },
    rpc: { chain: { getBlockHash: async (n: number) => (calls.push(`hash(${n})`), { toHex: () => `0x${n}` }) } },
    at: async (h: string) => (calls.push(`at(${h})`), { query: { subtensorModule: q } }),
  };
}

describe('ApiEpochSource', () => {
  it('reads LastMechansimStepBlock at the head and the extras at a block hash', async () => {
    const calls: string[] = [];
    const s = new ApiEpochSource(() => api({ last: 42, ownerUid: 3 }, calls));
    expect(await s.lastEpochBlock(1)).toBe(42);
    expect(await s.extras(1, 41)).toEqual({ lastMechanismStepBlock: 42, ownerUid: 3, taoWeight: '971718665099567868' });
    expect(calls).toEqual(['last(1)', 'hash(41)', 'at(0x41)', 'last(1)', 'uids(5Owner)']);
  });
  it('an owner hotkey that is not registered gives owner_uid null; a runtime without the items gives nothing', async () => {
    const s = new ApiEpochSource(() => api({ last: 0, ownerUid: null }, []));
    expect((await s.extras(1, 5)).ownerUid).toBeNull();
    const bare: ApiLike = { query: {}, rpc: { chain: { getBlockHash: async () => ({ toHex: () => '0x0' }) } }, at: async () => ({ query: {} }) };
    const b = new ApiEpochSource(() => bare);
    expect(await b.lastEpochBlock(1)).toBeNull();
    expect(await b.extras(1, 5)).toEqual({});
  });
});

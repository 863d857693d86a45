/**
 * Wire protocol, pure parts: codec round-trips on literal bytes, handshake state machines
 * (wrong signature, wrong hotkey, expired timestamp, transcript splice), AEAD frames
 * (tamper, replay, reorder, cross-direction), provenance proofs.
 */
import { cryptoWaitReady, encodeAddress, sr25519PairFromSeed, sr25519Sign } from '@polkadot/util-crypto';
import { createHash } from 'node:crypto';
import type { Keypair } from '../../shared/keys/interface';
import {
  BadMessageError,
  ClientHandshake,
  Close,
  decodeBatch,
  decodeMessage,
  encodeBatch,
  encodeBatchUnsafe,
  encodeMessage,
  encodeMessageUnsafe,
  FRAME_KIND,
  MAX_BATCH_MESSAGES,
  hex,
  leafHash,
  merkleLevels,
  merklePath,
  merkleRoot,
  ProtocolError,
  protocolReady,
  proofSigMessage,
  requestDigest,
  responseDigest,
  rootFromPath,
  rangeFrontier,
  rangePath,
  rootFromRange,
  canonicalJson,
  leafHashV2,
  leafHashV3,
  provenMessages,
  requestDigestV2,
  ServerHandshake,
  type Session,
  Status,
  tensorFrom,
  verifyProof,
  type ResponseProof,
  PROTOCOL_VERSION,
} from '../../shared/protocol';
import { Packr } from 'msgpackr';
import fc from 'fast-check';
import { DTYPES, DTYPE_BYTES } from '../../shared/model/tensor';
import type { DType } from '../../shared/model/interface';

function kp(seedByte: number): Keypair {
  const pair = sr25519PairFromSeed(new Uint8Array(32).fill(seedByte));
  return { address: encodeAddress(pair.publicKey, 42), publicKey: pair.publicKey, sign: (m) => sr25519Sign(m, pair) };
}

let miner: Keypair;
let validator: Keypair;
let other: Keypair;
beforeAll(async () => {
  await cryptoWaitReady();
  await protocolReady();
  miner = kp(1);
  validator = kp(2);
  other = kp(3);
});

function pair(opts: { expected?: Uint8Array } = {}): { client: Session; server: Session } {
  const c = new ClientHandshake(validator, { expectedServer: opts.expected });
  const s = new ServerHandshake(miner);
  const sh = s.onClientHello(c.hello());
  const { auth, session } = c.onServerHello(sh);
  return { client: session, server: s.onClientAuth(auth) };
}

function closeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e.close;
    throw e;
  }
  return undefined;
}

describe('codec', () => {
  it('decodes a request from literal msgpack bytes', () => {
    // [1, 7, "infer", 1000, [["in", "float32", [2], <8 bytes>]], {}] written by hand (wire v3)
    const bytes = Buffer.concat([
      Buffer.from([0x96, 0x01, 0x07, 0xa5]), Buffer.from('infer'),
      Buffer.from([0xcd, 0x03, 0xe8]),
      Buffer.from([0x91, 0x94, 0xa2]), Buffer.from('in'),
      Buffer.from([0xa7]), Buffer.from('float32'), Buffer.from([0x91, 0x02, 0xc4, 0x08]),
      Buffer.from(new Float32Array([1.5, -2]).buffer),
      Buffer.from([0x80]),
    ]);
    const m = decodeMessage(bytes);
    expect(m.t).toBe('request');
    if (m.t !== 'request') return;
    expect(m).toMatchObject({ id: 7, synapse: 'infer', timeoutMs: 1000 });
    const t = m.body.tensors.in;
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2]);
    expect(Array.from(new Float32Array(new Uint8Array(t.data).buffer))).toEqual([1.5, -2]);
  });

  const norm = (x: unknown): unknown =>
    x instanceof Uint8Array ? hex(x) : Array.isArray(x) ? x.map(norm) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)])) : x;
  it('round-trips every message type', () => {
    const body = { tensors: { x: tensorFrom('int64', [1, 2], new BigInt64Array([1n, -2n])) }, meta: { a: [1, 'b', null] } };
    const msgs = [
      { t: 'request' as const, id: 1, synapse: 'infer', timeoutMs: 500, body },
      { t: 'request' as const, id: 2, synapse: 'infer', timeoutMs: 500, body, proofWait: true },
      { t: 'response' as const, id: 1, status: 200, body },
      { t: 'response' as const, id: 2, status: 422, error: { code: 'model.shape', message: 'm', context: { dim: 1 } } },
      { t: 'cancel' as const, id: 3 },
      { t: 'proof' as const, root: new Uint8Array(32).fill(1), count: 3, ts: 5, signature: new Uint8Array(64).fill(2), first: 2, ids: [1], frontier: [new Uint8Array(32)] },
      { t: 'welcome' as const, version: 1, synapses: ['infer'], inputs: [{ name: 'x', dtype: 'float32' as const, shape: [null, 4] }], outputs: [], limits: { maxPayload: 1, maxInFlightPerConnection: 2, maxTimeoutMs: 3 }, meta: {} },
    ];
    for (const m of msgs) {
      const back = decodeMessage(encodeMessage(m));
      expect(norm(back)).toEqual(norm(m));
    }
  });

  const packr = new Packr({ useRecords: false });
  const T = (name: string, dtype: unknown, shape: unknown, data: unknown) => [name, dtype, shape, data];
  const bad: [string, unknown, string][] = [
    ['not msgpack', null, ''],
    ['not an array', { t: 1, i: 1 }, ''],
    ['an empty array', [], ''],
    ['unknown type', [99, 1], 'type'],
    ['request without id', [1, 'x', 'infer', 10, [], {}], 'id'],
    ['request too short', [1, 1, 'infer', 10, []], 'length'],
    ['request too long', [1, 1, 'infer', 10, [], {}, 0, 0], 'length'],
    ['bad synapse', [1, 1, 'a b', 10, [], {}], 'synapse'],
    ['zero timeout', [1, 1, 'infer', 0, [], {}], 'deadline'],
    ['tensors not an array', [1, 1, 'infer', 10, { a: 1 }, {}], 'tensors'],
    ['tensor not a 4-tuple', [1, 1, 'infer', 10, [['a', 'float32', [1]]], {}], 'tensors[0]'],
    ['tensor name not a string', [1, 1, 'infer', 10, [T(7 as unknown as string, 'float32', [1], Buffer.alloc(4))], {}], 'tensors[0]'],
    ['tensor named __proto__', [1, 1, 'infer', 10, [T('__proto__', 'float32', [1], Buffer.alloc(4))], {}], 'tensors[0]'],
    ['duplicate tensor name', [1, 1, 'infer', 10, [T('a', 'float32', [1], Buffer.alloc(4)), T('a', 'float32', [1], Buffer.alloc(4))], {}], 'tensors.a'],
    ['unknown dtype', [1, 1, 'infer', 10, [T('a', 'complex', [1], Buffer.alloc(8))], {}], 'tensors.a'],
    ['absurd shape', [1, 1, 'infer', 10, [T('a', 'float32', [1e9, 1e9], Buffer.alloc(8))], {}], 'tensors.a'],
    ['negative dim', [1, 1, 'infer', 10, [T('a', 'float32', [-1], Buffer.alloc(4))], {}], 'tensors.a'],
    ['length mismatch', [1, 1, 'infer', 10, [T('a', 'float32', [3], Buffer.alloc(8))], {}], 'tensors.a'],
    ['number array data', [1, 1, 'infer', 10, [T('a', 'float32', [1], [1.0])], {}], 'tensors.a'],
    ['rank too high', [1, 1, 'infer', 10, [T('a', 'uint8', [1, 1, 1, 1, 1, 1, 1, 1, 1], Buffer.alloc(1))], {}], 'tensors.a'],
    ['meta not json', [1, 1, 'infer', 10, [], { a: Buffer.alloc(1) }], 'meta'],
    ['proof wait not 0/1', [1, 1, 'infer', 10, [], {}, 'yes'], 'wait'],
    ['response too short', [2, 1, 200, null], 'length'],
    ['response of wire v3 (a request digest where the tensors go)', [2, 1, 200, Buffer.alloc(32), null, null], 'tensors'],
    ['response of wire v3 with a body', [2, 1, 200, Buffer.alloc(32), [], {}, null], 'length'],
    ['response with a bad status', [2, 1, 1000, null, null], 'status'],
    ['response with a bad error', [2, 1, 500, null, null, { c: 'x', m: 'y' }], 'error'],
    ['cancel with extra fields', [5, 1, 2], 'length'],
    ['proof range past the leaf count', [4, Buffer.alloc(32), 2, 1, Buffer.alloc(64), 1, [1, 2], []], ''],
    ['proof without ids', [4, Buffer.alloc(32), 2, 1, Buffer.alloc(64), 0, [], []], ''],
    ['proof frontier not 32-byte nodes', [4, Buffer.alloc(32), 2, 1, Buffer.alloc(64), 0, [1], [Buffer.alloc(31)]], ''],
    ['proof frontier too long', [4, Buffer.alloc(32), 2, 1, Buffer.alloc(64), 0, [1], Array.from({ length: 65 }, () => Buffer.alloc(32))], ''],
  ];
  it.each(bad)('rejects %s with BadMessageError', (_name, value, field) => {
    const bytes = value === null ? Buffer.from([0xc1, 0x00]) : packr.pack(value);
    let err: unknown;
    try {
      decodeMessage(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadMessageError);
    expect((err as BadMessageError).code).toBe('protocol.bad_message');
    if (field) expect((err as BadMessageError).context.field).toBe(field);
    // the id is recovered whenever it is readable, so the miner can answer that request
    if (field && field !== 'id' && field !== 'type') expect((err as BadMessageError).context.id).toBe(1);
  });
});

describe('handshake', () => {
  it('completes and both sides learn the verified hotkeys', () => {
    const { client, server } = pair({ expected: miner.publicKey });
    expect(client.remoteHotkey).toBe(miner.address);
    expect(server.remoteHotkey).toBe(validator.address);
    expect(Buffer.from(client.id).equals(Buffer.from(server.id))).toBe(true);
    const f = client.seal(Buffer.from('hello'));
    expect(server.open(f).toString()).toBe('hello');
    expect(client.open(server.seal(Buffer.from('back'))).toString()).toBe('back');
  });

  it('client rejects a miner that proves a different hotkey (wrong_hotkey)', () => {
    const c = new ClientHandshake(validator, { expectedServer: other.publicKey });
    const s = new ServerHandshake(miner);
    const hello = c.hello();
    // the miner itself refuses a hello that wants someone else
    expect(closeOf(() => s.onClientHello(hello))).toBe(Close.wrong_hotkey);
    // and an impostor miner answering with its own (valid) key is refused by the client
    const c2 = new ClientHandshake(validator, { expectedServer: miner.publicKey });
    const impostor = new ServerHandshake(other);
    const h2 = c2.hello();
    // strip the "wanted" field so the impostor answers
    const body = new Packr({ useRecords: false }).unpack(h2.subarray(2)) as Record<string, unknown>;
    delete body.w;
    const stripped = Buffer.concat([h2.subarray(0, 2), new Packr({ useRecords: false }).pack(body)]);
    const sh = impostor.onClientHello(stripped);
    expect(closeOf(() => c2.onServerHello(sh))).toBe(Close.wrong_hotkey);
  });

  it('server rejects a client signature by another key (bad_signature)', () => {
    const c = new ClientHandshake(validator);
    const s = new ServerHandshake(miner);
    const sh = s.onClientHello(c.hello());
    const { auth } = c.onServerHello(sh);
    const forged = Buffer.from(auth);
    forged[forged.length - 1] ^= 1;
    expect(closeOf(() => s.onClientAuth(forged))).toBe(Close.bad_signature);
  });

  it('rejects an expired timestamp on either side (stale_timestamp)', () => {
    const old = () => Date.now() - 60_000;
    const c = new ClientHandshake(validator, { now: old });
    const s = new ServerHandshake(miner);
    expect(closeOf(() => s.onClientHello(c.hello()))).toBe(Close.stale_timestamp);
    const c2 = new ClientHandshake(validator);
    const s2 = new ServerHandshake(miner, { now: () => Date.now() + 120_000 });
    const h = c2.hello();
    // server's own clock is far ahead: its hello looks stale to the honest client... and the
    // client's looks stale to it
    expect(closeOf(() => s2.onClientHello(h))).toBe(Close.stale_timestamp);
  });

  it('a relay splicing its own ephemeral key breaks the signatures (transcript splice)', () => {
    const c = new ClientHandshake(validator);
    const s = new ServerHandshake(miner);
    const packr = new Packr({ useRecords: false });
    // MITM replaces the client's ephemeral key in CLIENT_HELLO
    const hello = c.hello();
    const hb = packr.unpack(hello.subarray(2)) as Record<string, unknown>;
    hb.e = Buffer.alloc(32, 7);
    const sh = s.onClientHello(Buffer.concat([hello.subarray(0, 2), packr.pack(hb)]));
    expect(closeOf(() => c.onServerHello(sh))).toBe(Close.bad_signature);

    // MITM replaces the server's ephemeral key in SERVER_HELLO
    const c2 = new ClientHandshake(validator);
    const s2 = new ServerHandshake(miner);
    const sh2 = s2.onClientHello(c2.hello());
    const sb = packr.unpack(sh2.subarray(2)) as Record<string, unknown>;
    sb.e = Buffer.alloc(32, 9);
    expect(closeOf(() => c2.onServerHello(Buffer.concat([sh2.subarray(0, 2), packr.pack(sb)])))).toBe(Close.bad_signature);

    // MITM replays an old CLIENT_AUTH into a new handshake
    const c3 = new ClientHandshake(validator);
    const s3 = new ServerHandshake(miner);
    const { auth } = c3.onServerHello(s3.onClientHello(c3.hello()));
    const c4 = new ClientHandshake(validator);
    const s4 = new ServerHandshake(miner);
    s4.onClientHello(c4.hello());
    expect(closeOf(() => s4.onClientAuth(auth))).toBe(Close.bad_signature);
  });

  it('a data frame before the handshake is refused (handshake_required)', () => {
    const s = new ServerHandshake(miner);
    expect(closeOf(() => s.onClientHello(Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data, 0, 0, 0])))).toBe(Close.handshake_required);
    const s2 = new ServerHandshake(miner);
    const c2 = new ClientHandshake(validator);
    s2.onClientHello(c2.hello());
    expect(closeOf(() => s2.onClientAuth(Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data, 1, 2, 3])))).toBe(Close.handshake_required);
  });

  it('garbage handshake frames close with protocol codes', () => {
    expect(closeOf(() => new ServerHandshake(miner).onClientHello(Buffer.from([1])))).toBe(Close.protocol_error);
    expect(closeOf(() => new ServerHandshake(miner).onClientHello(Buffer.from([9, 1, 0x80])))).toBe(Close.unsupported_version);
    expect(closeOf(() => new ServerHandshake(miner).onClientHello(Buffer.from([PROTOCOL_VERSION, 1, 0xc1])))).toBe(Close.protocol_error);
    expect(closeOf(() => new ServerHandshake(miner).onClientHello(Buffer.alloc(5000, 1)))).toBe(Close.protocol_error);
    const p = new Packr({ useRecords: false });
    expect(closeOf(() => new ServerHandshake(miner).onClientHello(Buffer.concat([Buffer.from([PROTOCOL_VERSION, 1]), p.pack({ l: 'other', k: Buffer.alloc(32) })])))).toBe(Close.handshake_failed);
  });
});

describe('frames (AEAD + sequence numbers)', () => {
  it('tampering any byte fails authentication', () => {
    const { client, server } = pair();
    const f = client.seal(Buffer.from('payload bytes'));
    for (let i = 2; i < f.length; i++) {
      const { client: c2, server: s2 } = pair();
      const g = c2.seal(Buffer.from('payload bytes'));
      g[i] ^= 0x40;
      const code = closeOf(() => s2.open(g));
      expect([Close.auth_failed, Close.replayed, Close.out_of_order]).toContain(code);
      if (i >= 10) expect(code).toBe(Close.auth_failed);
    }
    expect(server.open(f).toString()).toBe('payload bytes');
  });

  it('a replayed frame is refused (replayed)', () => {
    const { client, server } = pair();
    const f = client.seal(Buffer.from('a'));
    server.open(f);
    expect(closeOf(() => server.open(f))).toBe(Close.replayed);
  });

  it('reordered frames are refused (out_of_order)', () => {
    const { client, server } = pair();
    client.seal(Buffer.from('a'));
    const f2 = client.seal(Buffer.from('b'));
    expect(closeOf(() => server.open(f2))).toBe(Close.out_of_order);
  });

  it('a frame reflected back to its sender fails (cross-direction)', () => {
    const { client } = pair();
    const f = client.seal(Buffer.from('a'));
    expect(closeOf(() => client.open(f))).toBe(Close.auth_failed);
  });

  it('a frame from another connection fails (cross-connection replay)', () => {
    const a = pair();
    const b = pair();
    expect(closeOf(() => b.server.open(a.client.seal(Buffer.from('x'))))).toBe(Close.auth_failed);
  });

  it('short frames and wrong kinds are protocol errors', () => {
    const { server } = pair();
    expect(closeOf(() => server.open(Buffer.alloc(5)))).toBe(Close.protocol_error);
    expect(closeOf(() => server.open(Buffer.concat([Buffer.from([PROTOCOL_VERSION, 2]), Buffer.alloc(30)])))).toBe(Close.protocol_error);
    expect(closeOf(() => server.open(Buffer.concat([Buffer.from([7, 16]), Buffer.alloc(30)])))).toBe(Close.unsupported_version);
  });
});

describe('batch frames (kind 0x11: many messages under one AEAD)', () => {
  const body = { tensors: { x: tensorFrom('float32', [1, 2], new Float32Array([1, 2])) }, meta: { k: 1 } };
  const batch = () => [
    { t: 'request' as const, id: 1, synapse: 'infer', timeoutMs: 500, body },
    { t: 'cancel' as const, id: 1 },
    { t: 'request' as const, id: 2, synapse: 'infer', timeoutMs: 600, body },
  ];

  it('round-trips through seal/open; the receiver learns the kind', () => {
    const { client, server } = pair();
    const f = client.seal(encodeBatchUnsafe(batch()), FRAME_KIND.batch);
    expect(f[1]).toBe(FRAME_KIND.batch);
    const pt = server.open(f);
    expect(server.lastKind).toBe(FRAME_KIND.batch);
    expect(decodeBatch(pt)).toEqual(batch());
    server.open(client.seal(encodeMessage({ t: 'cancel', id: 7 })));
    expect(server.lastKind).toBe(FRAME_KIND.data);
  });

  it('the kind byte is authenticated; single and batch frames share one sequence', () => {
    for (const [from, to] of [[FRAME_KIND.batch, FRAME_KIND.data], [FRAME_KIND.data, FRAME_KIND.batch]]) {
      const { client, server } = pair();
      const f = client.seal(encodeBatchUnsafe(batch()), from);
      f[1] = to;
      expect(closeOf(() => server.open(f))).toBe(Close.auth_failed);
    }
    const { client, server } = pair();
    const a = client.seal(encodeMessage({ t: 'cancel', id: 1 }));
    const b = client.seal(encodeBatchUnsafe(batch()), FRAME_KIND.batch);
    const c = client.seal(encodeMessage({ t: 'cancel', id: 2 }));
    expect(closeOf(() => server.open(b))).toBe(Close.out_of_order);
    server.open(a);
    server.open(b);
    expect(closeOf(() => server.open(b))).toBe(Close.replayed);
    expect(decodeMessage(server.open(c))).toEqual({ t: 'cancel', id: 2 });
  });

  it('a batch frame before the handshake is refused (handshake_required)', () => {
    const s = new ServerHandshake(miner);
    expect(closeOf(() => s.onClientHello(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.batch]), Buffer.alloc(40)])))).toBe(Close.handshake_required);
  });

  it('a malformed entry spoils only itself; a malformed batch is one BadMessageError', () => {
    const packr = new Packr({ useRecords: false });
    const good = [1, 4, 'infer', 100, [['x', 'float32', [1], Buffer.alloc(4)]], {}];
    const entries = decodeBatch(packr.pack([good, [1, 5, 'bad synapse!', 100, [], {}], 'junk', [5, 6]]));
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ t: 'request', id: 4 });
    expect(entries[1]).toBeInstanceOf(BadMessageError);
    expect((entries[1] as BadMessageError).context).toMatchObject({ id: 5, field: 'synapse' });
    expect(entries[2]).toBeInstanceOf(BadMessageError);
    expect(entries[3]).toEqual({ t: 'cancel', id: 6 });
    for (const bad of [packr.pack({ batch: [5, 1] }), packr.pack([]), packr.pack(new Array(MAX_BATCH_MESSAGES + 1).fill([5, 1])), Buffer.from([0xc1])]) {
      expect(() => decodeBatch(bad)).toThrow(BadMessageError);
    }
  });

  // the direct writer (shared/protocol/writer.ts) against msgpackr itself: every size class of
  // integer, string and bin header, fractional and >32-bit numbers, unicode, JSON meta and errors
  const arbTensor = fc
    .record({ dtype: fc.constantFrom(...DTYPES), dims: fc.array(fc.oneof(fc.nat(3), fc.constantFrom(1, 63, 64, 65, 256, 16_385)), { maxLength: 3 }) })
    .filter(({ dtype, dims }) => dims.reduce((a, d) => a * d, DTYPE_BYTES[dtype as DType]) <= 70_000)
    .map(({ dtype, dims }) => ({ dtype: dtype as DType, shape: dims, data: new Uint8Array(dims.reduce((a, d) => a * d, DTYPE_BYTES[dtype as DType])).map((_, i) => i * 7) }));
  const arbName = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.constantFrom('x', 'é', '中文名', 'a'.repeat(31), 'a'.repeat(32), 'a'.repeat(127)));
  const arbTensors = fc.dictionary(arbName.filter((n) => n !== '__proto__'), arbTensor, { maxKeys: 3 });
  const arbJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  const arbMeta = fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 8 }), arbJson, { maxKeys: 4 }));
  const arbNum = fc.oneof(fc.nat(300), fc.constantFrom(127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1), fc.nat());
  const arbText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('ü'.repeat(20), 'x'.repeat(70_000), '😀 ok', 'lone \ud800 surrogate', 'a\udc00'));
  const arbMsg = fc.oneof(
    fc.record({ id: arbNum, synapse: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), timeoutMs: fc.oneof(arbNum, fc.double({ min: 0.001, max: 600_000, noNaN: true })), tensors: arbTensors, meta: arbMeta, wait: fc.boolean() })
      .map(({ id, synapse, timeoutMs, tensors, meta, wait }) => ({ t: 'request' as const, id, synapse, timeoutMs, body: { tensors, meta }, ...(wait ? { proofWait: true } : {}) })),
    fc.record({ id: arbNum, status: fc.nat(999), body: fc.option(fc.record({ tensors: arbTensors, meta: arbMeta }), { nil: undefined }), error: fc.option(fc.record({ code: arbText, message: arbText, context: arbMeta }), { nil: undefined }) })
      .map(({ id, status, body, error }) => ({ t: 'response' as const, id, status, ...(body ? { body } : {}), ...(error ? { error } : {}) })),
  );
  it('the direct writer gives msgpackr\'s own bytes for any request or response (property)', () => {
    fc.assert(
      fc.property(fc.array(arbMsg, { minLength: 1, maxLength: 20 }), (msgs) => {
        for (const m of msgs) expect(hex(encodeMessage(m))).toBe(hex(encodeMessageUnsafe(m)));
        const slices: Uint8Array[] = [];
        const pt = encodeBatch(msgs, slices);
        if (msgs.length > 1) expect(hex(pt)).toBe(hex(encodeBatchUnsafe(msgs)));
        expect(slices.map(hex)).toEqual(msgs.map((m) => hex(encodeMessageUnsafe(m))));
      }),
      { numRuns: 300 },
    );
  });

  it('encodeBatch gives the same bytes as encodeBatchUnsafe and each message\'s own bytes (what proof format v3 hashes)', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ t: 'request' as const, id: i + 1, synapse: 'infer', timeoutMs: 500 + i, body }));
    for (const msgs of [batch(), many.slice(0, 15), many.slice(0, 16), many]) {
      const slices: Uint8Array[] = [];
      const pt = encodeBatch(msgs, slices);
      expect(hex(pt)).toBe(hex(encodeBatchUnsafe(msgs)));
      expect(slices.map(hex)).toEqual(msgs.map((m) => hex(encodeMessage(m))));
      // the receiver finds the same bytes for each entry
      const back: Uint8Array[] = [];
      expect(decodeBatch(pt, undefined, back)).toEqual(msgs);
      expect(back.map(hex)).toEqual(slices.map(hex));
    }
    // one message is a data frame's plaintext: the message alone, not an array of one
    const one: Uint8Array[] = [];
    expect(hex(encodeBatch([batch()[1]], one))).toBe(hex(encodeMessage(batch()[1])));
    expect(hex(one[0])).toBe(hex(encodeMessage(batch()[1])));
    // frames larger than the scratch buffer
    const big = { tensors: { x: tensorFrom('uint8', [40_000], new Uint8Array(40_000).fill(3)) }, meta: {} };
    const bigs = [1, 2, 3].map((id) => ({ t: 'request' as const, id, synapse: 'infer', timeoutMs: 5, body: big }));
    const s3: Uint8Array[] = [];
    expect(decodeBatch(encodeBatch(bigs, s3))).toEqual(bigs);
    expect(s3.map((x) => x.length)).toEqual(bigs.map((m) => encodeMessage(m).length));
    expect(() => encodeBatch([], [])).toThrow(RangeError);
  });

  it('a batch whose header and entries disagree is one BadMessageError', () => {
    const packr = new Packr({ useRecords: false });
    const two = Buffer.concat([Buffer.from([0x92]), packr.pack([5, 1]), packr.pack([5, 2])]);
    expect(decodeBatch(two)).toEqual([{ t: 'cancel', id: 1 }, { t: 'cancel', id: 2 }]);
    const cases: [string, Buffer][] = [
      ['fewer entries than the header names', Buffer.concat([Buffer.from([0x93]), packr.pack([5, 1]), packr.pack([5, 2])])],
      ['bytes after the last entry', Buffer.concat([two, packr.pack([5, 3])])],
      ['a truncated last entry', two.subarray(0, two.length - 1)],
      ['an array16 header cut short', Buffer.from([0xdc, 0x00])],
      ['an empty plaintext', Buffer.alloc(0)],
    ];
    for (const [name, bytes] of cases) {
      let err: unknown;
      try {
        decodeBatch(bytes);
      } catch (e) {
        err = e;
      }
      expect([name, err instanceof BadMessageError]).toEqual([name, true]);
    }
  });

  it('the welcome advertises batch frames (bf: 1) only when set', () => {
    const w = { t: 'welcome' as const, version: 1, synapses: [], inputs: [], outputs: [], limits: { maxPayload: 1, maxInFlightPerConnection: 2, maxTimeoutMs: 3 }, meta: {} };
    expect(decodeMessage(encodeMessage(w))).toEqual(w);
    expect(decodeMessage(encodeMessage({ ...w, batchFrames: true }))).toEqual({ ...w, batchFrames: true });
  });
});

describe('provenance proofs', () => {
  it('merkle paths verify for every leaf count 1..33', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => createHash('sha256').update(String(i)).digest());
      const levels = merkleLevels(leaves);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const got = rootFromPath(leaves[i], i, n, merklePath(levels, i));
        expect(got && Buffer.from(got).equals(Buffer.from(root))).toBe(true);
        if (n > 1) expect(rootFromPath(leaves[(i + 1) % n], i, n, merklePath(levels, i))).not.toEqual(root);
      }
    }
  });

  it('range proofs rebuild the root and every classic path, for every leaf count 1..40 and every range', () => {
    const eq = (x: Uint8Array | undefined, y: Uint8Array) => x !== undefined && Buffer.from(x).equals(Buffer.from(y));
    const failures: string[] = [];
    let ranges = 0;
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => createHash('sha256').update(`r${i}`).digest());
      const levels = merkleLevels(leaves);
      const root = merkleRoot(leaves);
      const paths = leaves.map((_, i) => merklePath(levels, i).map(hex).join());
      for (let a = 0; a < n; a++) {
        for (let b = a + 1; b <= n; b++) {
          ranges++;
          const at = `n=${n} [${a},${b})`;
          const frontier = rangeFrontier(levels, a, b);
          if (frontier.length > 2 * (levels.length - 1)) failures.push(`${at}: frontier too long`);
          const t = rootFromRange(leaves.slice(a, b), a, n, frontier);
          if (!t || !eq(t.root, root)) failures.push(`${at}: root`);
          else for (let i = a; i < b; i++) if (rangePath(t, i).map(hex).join() !== paths[i]) failures.push(`${at}: path of ${i}`);
          // a wrong frontier length or a changed leaf never gives the root
          if (rootFromRange(leaves.slice(a, b), a, n, [...frontier, leaves[0]])) failures.push(`${at}: extra frontier node accepted`);
          if (frontier.length > 0 && rootFromRange(leaves.slice(a, b), a, n, frontier.slice(1))) failures.push(`${at}: short frontier accepted`);
          const changed = leaves.slice(a, b);
          changed[changed.length - 1] = createHash('sha256').update('x').digest();
          if (eq(rootFromRange(changed, a, n, frontier)?.root, root)) failures.push(`${at}: changed leaf accepted`);
        }
      }
    }
    expect(ranges).toBe(11480);
    expect(failures).toEqual([]);
    expect(rootFromRange([], 0, 1, [])).toBeUndefined();
    expect(rootFromRange([Buffer.alloc(32)], 1, 1, [])).toBeUndefined();
    expect(rootFromRange([Buffer.alloc(32)], -1, 2, [Buffer.alloc(32)])).toBeUndefined();
  });

  it('digests are pinned: the bytes hashed never change across releases', () => {
    const t = { dtype: 'float32' as const, shape: [2, 3], data: new Uint8Array(24).map((_, i) => i) };
    const u = { dtype: 'int64' as const, shape: [1], data: new Uint8Array(8).fill(7) };
    const req = { id: 42, synapse: 'infer', body: { tensors: { x: t, a: u }, meta: { b: [1, { z: 2, a: 'é' }], a: null } } };
    const rd = requestDigest(req);
    // values computed by the streaming implementation of session 1 (createHash, field by field)
    expect(hex(rd)).toBe('9f78cc969427242b877b41f9a8f931aa1a80b4f361ee4b9017d9b045fa9c96cb');
    expect(hex(requestDigest({ id: 2 ** 40 + 5, synapse: 's.y:n-1', body: { tensors: {}, meta: {} } }))).toBe('ec85cc111a75e0f0b30668ff38b953a42e5daa21edabb5f476beb07703e31e05');
    expect(hex(responseDigest(rd, { id: 42, status: 200, body: { tensors: { y: t }, meta: {} } }))).toBe('3af49f8f5b10927baabdf3b96615d61ebe9fa4ba669a02af803666fdf4224e93');
    expect(hex(responseDigest(rd, { id: 7, status: 422, error: { code: 'model.shape', message: 'bad ✓', context: { dim: 1, w: [2] } } }))).toBe(
      '4a687e1ba5bfdffde021363cf658441f2cec4128c369ba66112f6a815726d680',
    );
    expect(hex(leafHash(Buffer.alloc(32, 1), Buffer.alloc(32, 2), rd))).toBe('c567efd98fcc061cba2d591e040174a88582fd7429293cafa980128b212ecb65');
    expect(hex(merkleRoot([1, 2, 3, 4, 5].map((i) => Buffer.alloc(32, i))))).toBe('6ff0c6808a81ea1b1baaf8ea3bba84644330f485b1b48f097bfde8b76fc02e7c');
  });

  it('one-shot digests equal field-by-field streaming hashes for random bodies (documented layout)', () => {
    let seed = 7;
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % k);
    const str = (k: number) => Array.from({ length: rnd(k) }, () => String.fromCodePoint([rnd(128), 0xe9, 0x4e2d, 0x1f600][rnd(4)])).join('');
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
    const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); return b; };
    const s = (x: string) => Buffer.concat([u32(Buffer.byteLength(x)), Buffer.from(x)]);
    const body = (h: ReturnType<typeof createHash>, b: { tensors: Record<string, { dtype: string; shape: number[]; data: Uint8Array }>; meta: Record<string, unknown> } | undefined) => {
      if (!b) return h.update(Buffer.from([0]));
      h.update(Buffer.from([1]));
      const names = Object.keys(b.tensors).sort();
      h.update(u32(names.length));
      for (const n of names) {
        const t = b.tensors[n];
        h.update(s(n)).update(s(t.dtype)).update(u32(t.shape.length));
        for (const d of t.shape) h.update(u64(d));
        h.update(u64(t.data.length)).update(t.data);
      }
      return h.update(s(canonicalJson(b.meta)));
    };
    for (let i = 0; i < 300; i++) {
      const tensors: Record<string, { dtype: 'uint8'; shape: number[]; data: Uint8Array }> = {};
      for (let k = rnd(4); k > 0; k--) {
        const len = rnd(3000);
        tensors[str(6) + k] = { dtype: 'uint8', shape: [len], data: new Uint8Array(len).map(() => rnd(256)) };
      }
      const meta = rnd(2) ? {} : { [str(5)]: str(40), n: rnd(1000), nested: { b: [str(3)], a: true } };
      const b = { tensors, meta };
      const id = rnd(2 ** 31) * (rnd(2) ? 4096 : 1);
      const synapse = `syn${rnd(99)}`;
      const want = body(createHash('sha256').update('subnet-ts/request/v1').update(s(synapse)).update(u64(id)), b).digest('hex');
      expect(hex(requestDigest({ id, synapse, body: b }))).toBe(want);
      const rd = Buffer.from(want, 'hex');
      const status = [200, 422, 500][rnd(3)];
      const err = rnd(2) ? { code: str(10), message: str(200), context: { why: str(20) } } : undefined;
      const withBody = rnd(2) ? b : undefined;
      const h = body(createHash('sha256').update('subnet-ts/response/v1').update(rd).update(u64(id)).update(u32(status)), withBody);
      if (err) h.update(Buffer.from([1])).update(s(err.code)).update(s(err.message)).update(s(canonicalJson(err.context)));
      else h.update(Buffer.from([0]));
      expect(hex(responseDigest(rd, { id, status, body: withBody, error: err }))).toBe(h.digest('hex'));
      // v2: request digest without the id; the leaf covers connection, request digest and response in one hash
      const want2 = body(createHash('sha256').update('subnet-ts/request/v2').update(s(synapse)), b).digest('hex');
      expect(hex(requestDigestV2({ synapse, body: b }))).toBe(want2);
      const sess = Buffer.alloc(32, rnd(256));
      const vpub = Buffer.alloc(32, rnd(256));
      const h2 = body(createHash('sha256').update(Buffer.from([0])).update('subnet-ts/leaf/v2').update(sess).update(vpub).update(Buffer.from(want2, 'hex')).update(u64(id)).update(u32(status)), withBody);
      if (err) h2.update(Buffer.from([1])).update(s(err.code)).update(s(err.message)).update(s(canonicalJson(err.context)));
      else h2.update(Buffer.from([0]));
      expect(hex(leafHashV2(sess, vpub, Buffer.from(want2, 'hex'), { id, status, body: withBody, error: err }))).toBe(h2.digest('hex'));
    }
  });

  /** A v3 proof over the messages' own bytes, as the miner and the client build it. */
  function makeProofV3(tamper: { request?: Uint8Array; response?: Uint8Array } = {}) {
    const request = { id: 5, synapse: 'infer', body: { tensors: { x: tensorFrom('float32', [2], new Float32Array([1, 2])) }, meta: {} } };
    const response = { id: 5, status: Status.ok, body: { tensors: { y: tensorFrom('float32', [1], new Float32Array([3])) }, meta: { b: 1, a: 2 } } };
    const q = tamper.request ?? encodeMessage({ t: 'request', timeoutMs: 1000, ...request });
    const r = tamper.response ?? encodeMessage({ t: 'response', ...response });
    const session = new Uint8Array(32).fill(4);
    const leaf = leafHashV3(session, validator.publicKey, q, r);
    const leaves = [createHash('sha256').update('other').digest(), leaf, createHash('sha256').update('x').digest()];
    const root = merkleRoot(leaves);
    const ts = 1_700_000_000_000;
    const proof: ResponseProof = {
      v: 3, miner: miner.address, validator: validator.address, session: hex(session), request: Buffer.from(q).toString('base64'), response: Buffer.from(r).toString('base64'),
      root: hex(root), count: 3, index: 1, path: merklePath(merkleLevels(leaves), 1).map(hex), ts, signature: hex(miner.sign(proofSigMessage(miner.publicKey, root, 3, ts))),
    };
    return { request, response, proof };
  }

  it('v3 leaves hash the connection and both messages\' bytes, length-prefixed (pinned and recomputed)', () => {
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
    const sess = Buffer.alloc(32, 1);
    const vpub = Buffer.alloc(32, 2);
    const q = Buffer.from('request bytes');
    const r = Buffer.from('response');
    const want = createHash('sha256').update(Buffer.from([0])).update('subnet-ts/leaf/v3').update(sess).update(vpub).update(u32(q.length)).update(q).update(u32(r.length)).update(r).digest('hex');
    expect(hex(leafHashV3(sess, vpub, q, r))).toBe(want);
    expect(want).toBe(PINNED_V3_LEAF);
    // the length prefixes keep the split between request and response unambiguous
    expect(hex(leafHashV3(sess, vpub, Buffer.from('request byte'), Buffer.from('sresponse')))).not.toBe(want);
    expect(hex(leafHashV3(sess, vpub, new Uint8Array(0), new Uint8Array(0)))).toHaveLength(64);
  });

  it('verifyProof accepts a genuine v3 proof; a third party reads the request and the answer from it', () => {
    const { request, response, proof } = makeProofV3();
    expect(verifyProof(proof, response, request)).toEqual({ ok: true });
    expect(verifyProof(proof, response)).toEqual({ ok: true });
    expect(verifyProof(proof, { ...response, body: { ...response.body, meta: { a: 2, b: 1 } } })).toEqual({ ok: true });
    const both = provenMessages(proof)!;
    expect(both.request).toMatchObject({ t: 'request', id: 5, synapse: 'infer', timeoutMs: 1000 });
    expect(both.response).toMatchObject({ t: 'response', id: 5, status: 200, body: { meta: { a: 2, b: 1 } } });
    expect(Array.from(new Float32Array(new Uint8Array(both.response.body!.tensors.y.data).buffer))).toEqual([3]);
    expect(provenMessages(makeProof(2).proof)).toBeUndefined();
  });

  it('verifyProof rejects any change to a v3 proof, its messages, or the response and request shown with it', () => {
    const { request, response, proof } = makeProofV3();
    const y = (v: number) => ({ ...response.body, tensors: { y: tensorFrom('float32', [1], new Float32Array([v])) } });
    expect(verifyProof(proof, { ...response, body: y(3.0001) })).toEqual({ ok: false, reason: 'response_mismatch' });
    expect(verifyProof(proof, { ...response, status: 500 })).toEqual({ ok: false, reason: 'response_mismatch' });
    expect(verifyProof(proof, { ...response, id: 6 })).toEqual({ ok: false, reason: 'response_mismatch' });
    expect(verifyProof(proof, { ...response, error: { code: 'x', message: 'y', context: {} } })).toEqual({ ok: false, reason: 'response_mismatch' });
    expect(verifyProof(proof, response, { ...request, synapse: 'other' })).toEqual({ ok: false, reason: 'request_mismatch' });
    expect(verifyProof(proof, response, { ...request, body: { ...request.body, meta: { k: 1 } } })).toEqual({ ok: false, reason: 'request_mismatch' });
    // other bytes in the proof (a request or an answer the miner did not sign) change the leaf
    const forged = makeProofV3({ response: encodeMessage({ t: 'response', ...response, body: y(4) }) }).proof;
    expect(verifyProof({ ...proof, response: forged.response }, { ...response, body: y(4) })).toEqual({ ok: false, reason: 'root_mismatch' });
    const forgedQ = makeProofV3({ request: encodeMessage({ t: 'request', timeoutMs: 9, ...request }) }).proof;
    expect(verifyProof({ ...proof, request: forgedQ.request }, response, request)).toEqual({ ok: false, reason: 'root_mismatch' });
    // bytes that are not the right kind of message
    expect(verifyProof({ ...proof, response: proof.request }, response)).toEqual({ ok: false, reason: 'response_mismatch' });
    expect(verifyProof({ ...proof, request: proof.response }, response, request)).toEqual({ ok: false, reason: 'request_mismatch' });
    expect(verifyProof({ ...proof, response: Buffer.from([0xc1]).toString('base64') }, response)).toEqual({ ok: false, reason: 'response_mismatch' });
    for (const bad of [undefined, 'not base64!', 'abc', 7]) {
      expect(verifyProof({ ...proof, request: bad as string }, response)).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyProof({ ...proof, response: bad as string }, response)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyProof({ ...proof, index: 0 }, response)).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof({ ...proof, validator: other.address }, response)).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof({ ...proof, ts: proof.ts + 1 }, response)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyProof({ ...proof, v: 2 }, response)).toEqual({ ok: false, reason: 'malformed' }); // no request digest
  });

  function makeProof(v: 1 | 2 = 2) {
    const request = { id: 5, synapse: 'infer', body: { tensors: { x: tensorFrom('float32', [2], new Float32Array([1, 2])) }, meta: {} } };
    const response = { id: 5, status: Status.ok, body: { tensors: { y: tensorFrom('float32', [1], new Float32Array([3])) }, meta: { b: 1, a: 2 } } };
    const session = new Uint8Array(32).fill(4);
    const rd = v === 2 ? requestDigestV2(request) : requestDigest(request);
    const leaf = v === 2 ? leafHashV2(session, validator.publicKey, rd, response) : leafHash(session, validator.publicKey, responseDigest(rd, response));
    const leaves = [createHash('sha256').update('other').digest(), leaf, createHash('sha256').update('x').digest()];
    const levels = merkleLevels(leaves);
    const root = merkleRoot(leaves);
    const ts = 1_700_000_000_000;
    const proof: ResponseProof = {
      v, miner: miner.address, validator: validator.address, session: hex(session), requestDigest: hex(rd), root: hex(root), count: 3, index: 1,
      path: merklePath(levels, 1).map(hex), ts, signature: hex(miner.sign(proofSigMessage(miner.publicKey, root, 3, ts))),
    };
    return { request, response, proof };
  }

  it.each([1, 2] as const)('verifyProof accepts the genuine response (format v%s)', (v) => {
    const { request, response, proof } = makeProof(v);
    expect(verifyProof(proof, response, request)).toEqual({ ok: true });
    // key order in meta does not matter (canonical JSON)
    expect(verifyProof(proof, { ...response, body: { ...response.body, meta: { a: 2, b: 1 } } })).toEqual({ ok: true });
  });

  it.each([1, 2] as const)('verifyProof rejects any change to the response, request, path or signature (format v%s)', (v) => {
    const { request, response, proof } = makeProof(v);
    const changed = { ...response, body: { ...response.body, tensors: { y: tensorFrom('float32', [1], new Float32Array([3.0001])) } } };
    expect(verifyProof(proof, changed)).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof(proof, { ...response, status: 500 })).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof(proof, response, { ...request, synapse: 'other' })).toEqual({ ok: false, reason: 'request_mismatch' });
    expect(verifyProof({ ...proof, index: 0 }, response)).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof({ ...proof, path: [] }, response)).toEqual({ ok: false, reason: 'path_mismatch' });
    expect(verifyProof({ ...proof, miner: other.address }, response)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyProof({ ...proof, validator: other.address }, response)).toEqual({ ok: false, reason: 'root_mismatch' });
    expect(verifyProof({ ...proof, ts: proof.ts + 1 }, response)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyProof({ ...proof, signature: 'zz' }, response)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyProof({ ...proof, v: (3 - v) as 1 | 2 }, response).ok).toBe(false); // a proof read under the other format fails
    expect(verifyProof({ ...proof, v: 7 as unknown as 2 }, response)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyProof(proof, { ...response, id: 6 }).ok).toBe(false);
  });

  it('v2 digests are pinned, and the v2 request digest does not depend on the id', () => {
    const t = { dtype: 'float32' as const, shape: [2, 3], data: new Uint8Array(24).map((_, i) => i) };
    const body = { tensors: { x: t }, meta: { k: 'v' } };
    const rd = requestDigestV2({ synapse: 'infer', body });
    expect(hex(rd)).toBe(PINNED_V2.request);
    expect(hex(requestDigestV2({ id: 99, synapse: 'infer', body } as { synapse: string; body: typeof body }))).toBe(PINNED_V2.request);
    expect(hex(leafHashV2(Buffer.alloc(32, 1), Buffer.alloc(32, 2), rd, { id: 42, status: 200, body: { tensors: { y: t }, meta: {} } }))).toBe(PINNED_V2.leaf);
    expect(hex(leafHashV2(Buffer.alloc(32, 1), Buffer.alloc(32, 2), rd, { id: 43, status: 200, body: { tensors: { y: t }, meta: {} } }))).not.toBe(PINNED_V2.leaf);
  });
});

// computed when format v2 was introduced (session 2); the random-body test checks the layout independently
const PINNED_V2 = {
  request: '8d878c82f4d020fd135afcbe4e8addd5f921c69ec958081ec09f0199d32aa168',
  leaf: '367d28b93c1b768c0660f6f1eb8908fd3147ecad0a1059e78e35ba004c1bb331',
};
// computed when format v3 was introduced (session 5) by the streaming layout in its test
const PINNED_V3_LEAF = '0837850e1bfab99046947134d58c78ecd482e851479540883790ffa20fc4187a';

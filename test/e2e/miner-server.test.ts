/**
 * The axon in-process over real loopback sockets, with injected policies and handlers: the
 * order of checks (nothing before a verified handshake, policy only on the verified hotkey),
 * blacklist, rate limit, bounded queue, stake priority and eviction, deadlines, limits
 * (handshake timeout, max connections, idle timeout), and a malicious miner's bad proofs.
 * Bittensor's axon holes each have a test here (see docs/protocol.md, threat model).
 */
import { WebSocket, type RawData } from 'ws';
import { devKeypair, keysReady } from '../../shared/keys';
import type { Keypair } from '../../shared/keys/interface';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { ClientHandshake, Close, decodeBatch, decodeMessage, encodeBatchUnsafe, encodeMessage, FRAME_KIND, PROTOCOL_VERSION, protocolReady, provenMessages, Status, verifyProof, type Message, type ResponseProof } from '../../shared/protocol';
import type { QueryResult } from '../../validator/client';
import { AllowAllPolicy, AxonServer, modelHandler, type AxonOptions, type Handler, type Policy, type PolicyDecision } from '../../miner';
import { ClientPool } from '../../validator/client';
import { SubnetError } from '../../shared/errors';

jest.setTimeout(60_000);

const alice = () => devKeypair('alice');
const bob = () => devKeypair('bob');
const servers: AxonServer[] = [];
const pools: ClientPool[] = [];

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop({ drainMs: 100 })));
});

class RecordingPolicy implements Policy {
  readonly seen: string[] = [];
  constructor(private readonly decide: (hotkey: string) => PolicyDecision = () => ({ allow: true, priority: 0 })) {}
  check(hotkey: string): PolicyDecision {
    this.seen.push(hotkey);
    return this.decide(hotkey);
  }
}

function sleepHandler(calls: string[] = []): Handler {
  return {
    synapses: ['infer'],
    forward: (req, ctx) =>
      new Promise((resolve, reject) => {
        calls.push(String(req.meta.tag ?? req.id));
        const t = setTimeout(() => resolve({ tensors: req.tensors, meta: { tag: req.meta.tag ?? null } }), Number(req.meta.ms ?? 0));
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      }),
  };
}

async function server(opts: Partial<AxonOptions> = {}, parts: { handler?: Handler; policy?: Policy; keypair?: Keypair } = {}): Promise<AxonServer> {
  const runner = new FakeModelRunner();
  const s = new AxonServer(
    { keypair: parts.keypair ?? bob(), handler: parts.handler ?? modelHandler(runner), policy: parts.policy ?? new AllowAllPolicy(), runner },
    { host: '127.0.0.1', port: 0, rateLimitPerSec: 0, ...opts },
  );
  await s.start();
  servers.push(s);
  return s;
}

function pool(kp: Keypair = alice()): ClientPool {
  const p = new ClientPool({ keypair: kp }, { timeoutMs: 5000 });
  pools.push(p);
  return p;
}

function rawSocket(url: string): Promise<{ ws: WebSocket; frames: Buffer[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const frames: Buffer[] = [];
    ws.on('message', (d: RawData) => frames.push(d as Buffer));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

/** A hand-driven client session (handshake done, welcome not read yet): `next()` waits for the next frame. */
async function rawSession(url: string) {
  const a = await rawSocket(url);
  const next = async () => {
    while (a.frames.length === 0) await new Promise((r) => setTimeout(r, 5));
    return a.frames.shift() as Buffer;
  };
  const hs = new ClientHandshake(alice());
  a.ws.send(hs.hello());
  const { auth, session } = hs.onServerHello(await next());
  a.ws.send(auth);
  return { a, next, session };
}

const req = (meta: Record<string, unknown> = {}) => ({ synapse: 'infer', tensors: generateInputs(1, 1), meta });

describe('order of checks (bittensor axon holes)', () => {
  it('a request without a completed handshake is never processed, and policy never runs', async () => {
    const calls: string[] = [];
    const policy = new RecordingPolicy();
    const s = await server({}, { handler: sleepHandler(calls), policy });
    // a request body sent as a data frame, no handshake at all (bittensor: "no signature → no verify")
    const a = await rawSocket(s.url);
    a.ws.send(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data, 0, 0, 0, 0, 0, 0, 0, 0]), encodeMessage({ t: 'request', id: 1, ...req(), timeoutMs: 1000, body: { tensors: generateInputs(1, 1), meta: {} } })]));
    expect(await a.closed).toBe(Close.handshake_required);
    // hello sent, but the request goes out before CLIENT_AUTH
    const b = await rawSocket(s.url);
    const hs = new ClientHandshake(alice());
    b.ws.send(hs.hello());
    while (b.frames.length === 0) await new Promise((r) => setTimeout(r, 5));
    b.ws.send(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(40)]));
    expect(await b.closed).toBe(Close.handshake_required);
    expect(calls).toEqual([]);
    expect(policy.seen).toEqual([]);
  });

  it('policy runs after verification, on the verified hotkey only: an impostor is refused before it', async () => {
    const policy = new RecordingPolicy((hk) => (hk === alice().address ? { allow: true, priority: 100 } : { allow: false, code: 'unregistered', reason: 'not registered' }));
    const s = await server({}, { policy });
    // the impostor claims alice's (allowed, high-stake) hotkey but cannot sign for it
    const eve = devKeypair('eve');
    const impostor: Keypair = { address: alice().address, publicKey: alice().publicKey, sign: (m) => eve.sign(m) };
    const r = await pool(impostor).request({ endpoint: s.url }, req());
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('protocol.bad_signature');
    expect(policy.seen).toEqual([]);
    // the real alice: policy sees exactly her verified hotkey, at the handshake and per request
    const ok = await pool(alice()).request({ endpoint: s.url }, req());
    expect(ok.status).toBe('ok');
    expect(policy.seen).toEqual([alice().address, alice().address]);
  });

  it('a blacklisted hotkey is closed with 4011 right after the handshake', async () => {
    const s = await server({}, { policy: new RecordingPolicy(() => ({ allow: false, code: 'no_validator_permit', reason: 'no permit' })) });
    const r = await pool(devKeypair('dave')).request({ endpoint: s.url }, req());
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('protocol.blacklisted');
    expect(r.error?.context.reason).toBe('no_validator_permit');
  });

  it('a hotkey blacklisted mid-connection gets status blacklisted per request', async () => {
    let allowed = true;
    const s = await server({}, { policy: new RecordingPolicy(() => (allowed ? { allow: true, priority: 0 } : { allow: false, code: 'low_stake', reason: 'stake' })) });
    const p = pool();
    expect((await p.request({ endpoint: s.url }, req())).status).toBe('ok');
    allowed = false;
    const r = await p.request({ endpoint: s.url }, req());
    expect(r.status).toBe('blacklisted');
    expect(r.code).toBe(Status.blacklisted);
    expect(r.error?.code).toBe('low_stake');
  });
});

describe('admission', () => {
  it('per-hotkey token bucket → rate_limited', async () => {
    const s = await server({ rateLimitPerSec: 0.5, rateLimitBurst: 2 });
    const p = pool();
    const rs = [];
    for (let i = 0; i < 4; i++) rs.push(await p.request({ endpoint: s.url }, req()));
    expect(rs.map((r) => r.status)).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(rs[2].error?.code).toBe('rate_limited');
    // another hotkey has its own bucket
    expect((await pool(devKeypair('charlie')).request({ endpoint: s.url }, req())).status).toBe('ok');
  });

  it('a full queue answers overloaded instead of growing', async () => {
    const s = await server({ concurrency: 1, maxQueue: 1 }, { handler: sleepHandler() });
    const p = pool();
    const rs = await Promise.all([0, 1, 2, 3].map((i) => p.request({ endpoint: s.url }, req({ ms: 200, tag: i }))));
    expect(rs.map((r) => r.status).sort()).toEqual(['ok', 'ok', 'overloaded', 'overloaded']);
    expect(rs.filter((r) => r.status === 'overloaded').every((r) => r.error?.code === 'queue_full')).toBe(true);
  });

  it('when busy, higher stake goes first and evicts the lowest from a full queue', async () => {
    const order: string[] = [];
    const stake: Record<string, number> = { [alice().address]: 1, [devKeypair('charlie').address]: 1000 };
    const s = await server({ concurrency: 1, maxQueue: 2 }, { handler: sleepHandler(order), policy: new RecordingPolicy((hk) => ({ allow: true, priority: stake[hk] ?? 0 })) });
    const low = pool(alice());
    const high = pool(devKeypair('charlie'));
    await Promise.all([low.request({ endpoint: s.url }, req()), high.request({ endpoint: s.url }, req())]); // connect both
    order.length = 0;
    const lows = [0, 1, 2].map((i) => low.request({ endpoint: s.url }, req({ ms: 150, tag: `low${i}` })));
    await new Promise((r) => setTimeout(r, 50)); // low0 runs, low1+low2 fill the queue
    const hi = high.request({ endpoint: s.url }, req({ ms: 10, tag: 'high' }));
    const [l0, l1, l2] = await Promise.all(lows);
    expect((await hi).status).toBe('ok');
    expect(order[0]).toBe('low0');
    expect(order[1]).toBe('high');
    expect(l0.status).toBe('ok');
    // the latest low-priority arrival was evicted to make room
    expect(l2.status).toBe('overloaded');
    expect(l2.error?.code).toBe('evicted');
    expect(l1.status).toBe('ok');
  });

  it('a request whose deadline passes in the queue is answered timeout and never started', async () => {
    const calls: string[] = [];
    const s = await server({ concurrency: 1 }, { handler: sleepHandler(calls) });
    const p = pool();
    await p.request({ endpoint: s.url }, req({ tag: 'warm' }));
    const slow = p.request({ endpoint: s.url }, req({ ms: 400, tag: 'slow' }), { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 30));
    // the client's own deadline (150 ms) travels in the request; the miner drops it unstarted
    const late = await p.request({ endpoint: s.url }, req({ tag: 'late' }), { timeoutMs: 150 });
    expect(['timeout']).toContain(late.status);
    expect((await slow).status).toBe('ok');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).not.toContain('late');
  });

  it('a handler running past the request deadline is aborted and answered 408 by the miner', async () => {
    let aborted = false;
    const handler: Handler = {
      synapses: ['infer'],
      forward: (_r, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          });
        }),
    };
    const s = await server({}, { handler });
    // a raw session, so the client can wait longer than the deadline it sends
    const { a, next, session } = await rawSession(s.url);
    expect(decodeMessage(session.open(await next())).t).toBe('welcome');
    a.ws.send(session.seal(encodeMessage({ t: 'request', id: 9, synapse: 'infer', timeoutMs: 150, body: { tensors: generateInputs(1, 1), meta: {} } })));
    const m = decodeMessage(session.open(await next()));
    expect(m.t).toBe('response');
    if (m.t !== 'response') return;
    expect(m.id).toBe(9);
    expect(m.status).toBe(Status.timeout);
    expect(m.error?.code).toBe('deadline_expired');
    expect(aborted).toBe(true);
    a.ws.terminate();
  });
});

describe('batch frames', () => {
  it('a batch of requests (one malformed) is answered in batch frames: ok, ok, 400; proofs follow; pool clients use them', async () => {
    const s = await server();
    const { a, next, session } = await rawSession(s.url);
    const welcome = decodeMessage(session.open(await next()));
    expect(welcome).toMatchObject({ t: 'welcome', batchFrames: true });
    const body = { tensors: generateInputs(1, 1), meta: {} };
    const bad = { t: 'request' as const, id: 3, synapse: 'infer', timeoutMs: 5000, body: { tensors: { x: { dtype: 'float32' as const, shape: [1, 2], data: new Uint8Array(3) } }, meta: {} } };
    a.ws.send(session.seal(encodeBatchUnsafe([{ t: 'request', id: 1, synapse: 'infer', timeoutMs: 5000, body }, { t: 'request', id: 2, synapse: 'infer', timeoutMs: 5000, body }, bad]), FRAME_KIND.batch));
    const got: Message[] = [];
    while (got.filter((m) => m.t === 'response').length < 3 || got.filter((m) => m.t === 'proof').reduce((n, m) => n + (m.t === 'proof' ? m.ids.length : 0), 0) < 3) {
      const pt = session.open(await next());
      if (session.lastKind === FRAME_KIND.batch) for (const e of decodeBatch(pt)) got.push(e as Message);
      else got.push(decodeMessage(pt));
    }
    const status = Object.fromEntries(got.flatMap((m) => (m.t === 'response' ? [[m.id, m.status]] : [])));
    expect(status).toEqual({ 1: Status.ok, 2: Status.ok, 3: Status.bad_request });
    a.ws.terminate();

    const p = pool();
    const rs = await Promise.all(Array.from({ length: 20 }, () => p.request({ endpoint: s.url }, req())));
    expect(rs.every((r) => r.status === 'ok' && r.proof !== null)).toBe(true);
  });
});

describe('forwardBatch', () => {
  /** Sends one batch frame of requests (meta per request) on a raw session; returns id → response. */
  async function batchRound(url: string, metas: Record<string, unknown>[]): Promise<Map<number, Message & { t: 'response' }>> {
    const { a, next, session } = await rawSession(url);
    decodeMessage(session.open(await next())); // welcome
    const tensors = generateInputs(1, 1);
    a.ws.send(session.seal(encodeBatchUnsafe(metas.map((meta, i) => ({ t: 'request' as const, id: i + 1, synapse: 'infer', timeoutMs: 5000, body: { tensors, meta } }))), FRAME_KIND.batch));
    const got = new Map<number, Message & { t: 'response' }>();
    while (got.size < metas.length) {
      const pt = session.open(await next());
      const msgs = session.lastKind === FRAME_KIND.batch ? (decodeBatch(pt) as Message[]) : [decodeMessage(pt)];
      for (const m of msgs) if (m.t === 'response') got.set(m.id, m);
    }
    a.ws.terminate();
    return got;
  }

  it('a batch frame reaches forwardBatch in one call: per-request results and errors, a second report of a request is ignored', async () => {
    const calls: number[][] = [];
    const handler: Handler = {
      synapses: ['infer'],
      forward: () => {
        throw new Error('forward is not used when forwardBatch exists');
      },
      forwardBatch: (reqs, done, ctx) => {
        calls.push(reqs.map((r) => r.id));
        reqs.forEach((r, i) => {
          expect(ctx(i).hotkey).toBe(alice().address);
          if (r.meta.fail) done(i, undefined, new SubnetError('invalid_input', 'not this one', { id: r.id }));
          else done(i, { tensors: r.tensors, meta: { echo: r.id } });
          done(i, undefined, new Error('reported twice'));
        });
      },
    };
    const s = await server({}, { handler });
    const got = await batchRound(s.url, [{}, { fail: true }, {}]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect([1, 2, 3].map((id) => got.get(id)?.status)).toEqual([Status.ok, Status.invalid_input, Status.ok]);
    expect(got.get(3)?.body?.meta).toEqual({ echo: 3 });
    expect(got.get(2)?.error).toMatchObject({ code: 'invalid_input', message: 'not this one' });
    expect(s.load.running).toBe(0);
  });

  it('a forwardBatch that throws fails every request of its call with 500 internal; the miner keeps serving', async () => {
    let n = 0;
    const handler: Handler = {
      synapses: ['infer'],
      forward: () => ({}),
      forwardBatch: (reqs, done) => {
        if (n++ === 0) throw new Error('boom');
        reqs.forEach((r, i) => done(i, { tensors: r.tensors }));
      },
    };
    const s = await server({}, { handler });
    const failed = await batchRound(s.url, [{}, {}]);
    expect([...failed.values()].map((m) => m.status)).toEqual([Status.internal, Status.internal]);
    const ok = await batchRound(s.url, [{}, {}]);
    expect([...ok.values()].map((m) => m.status)).toEqual([Status.ok, Status.ok]);
    expect(s.load.running).toBe(0);
  });

  it('the default model handler runs a batch frame of requests as one model run', async () => {
    const runner = new FakeModelRunner();
    const s = new AxonServer({ keypair: bob(), handler: modelHandler(runner), policy: new AllowAllPolicy(), runner }, { host: '127.0.0.1', port: 0, rateLimitPerSec: 0 });
    await s.start();
    servers.push(s);
    const got = await batchRound(s.url, Array.from({ length: 12 }, () => ({})));
    expect([...got.values()].every((m) => m.status === Status.ok)).toBe(true);
    expect(runner.runs).toBe(1);
  });
});

describe('limits', () => {
  it('closes a connection that does not finish the handshake in time (4006)', async () => {
    const s = await server({ handshakeTimeoutMs: 200 });
    const a = await rawSocket(s.url);
    expect(await a.closed).toBe(Close.handshake_timeout);
  });

  it('refuses connections above maxConnections (4012)', async () => {
    const s = await server({ maxConnections: 2 });
    const a = await rawSocket(s.url);
    const b = await rawSocket(s.url);
    const c = await rawSocket(s.url);
    expect(await c.closed).toBe(Close.too_many_connections);
    a.ws.terminate();
    b.ws.terminate();
  });

  it('closes idle connections (4010); the pool reconnects on the next query', async () => {
    const s = await server({ idleTimeoutMs: 150 });
    const p = pool();
    expect((await p.request({ endpoint: s.url }, req())).status).toBe('ok');
    await new Promise((r) => setTimeout(r, 700));
    expect(s.stats.closes.idle_timeout).toBe(1);
    expect((await p.request({ endpoint: s.url }, req())).status).toBe('ok');
    expect(s.stats.handshakes).toBe(2);
  });

  it('oversized frames close with 1009', async () => {
    const s = await server({ maxPayload: 4096 });
    const a = await rawSocket(s.url);
    a.ws.send(Buffer.alloc(5000, 1));
    expect(await a.closed).toBe(Close.too_big);
  });

  it('an unreachable miner is backed off: the next attempt fails fast without dialling', async () => {
    const p = pool();
    const t = { endpoint: 'ws://127.0.0.1:1' };
    const a = await p.request(t, req());
    const b = await p.request(t, req());
    expect(a.status).toBe('unreachable');
    expect(b.status).toBe('unreachable');
    expect(b.error?.code).toBe('backoff');
  });
});

describe('client pool', () => {
  it('fans out with bounded concurrency and keeps at most maxConnections sockets', async () => {
    let now = 0;
    let peak = 0;
    const handler: Handler = {
      synapses: ['infer'],
      forward: async (r) => {
        peak = Math.max(peak, ++now);
        await new Promise((res) => setTimeout(res, 100));
        now--;
        return { tensors: r.tensors };
      },
    };
    const miners = await Promise.all([0, 1, 2, 3, 4, 5].map(() => server({}, { handler })));
    const p = new ClientPool({ keypair: alice() }, { maxConcurrency: 2, maxConnections: 3 });
    pools.push(p);
    const targets = miners.map((m) => ({ endpoint: m.url }));
    const rs = await p.query(targets, req(), { timeoutMs: 5000 });
    expect(rs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(peak).toBeLessThanOrEqual(2);
    expect(p.size).toBeLessThanOrEqual(3);
  });

  it('a target object updated in place (a miner moved, or a new hotkey at the uid) reaches the new miner', async () => {
    const a = await server({}, { keypair: bob() });
    const b = await server({}, { keypair: devKeypair('charlie') });
    const p = pool();
    const target = { endpoint: a.url, hotkey: a.hotkey };
    const first = await p.request(target, req());
    expect(first).toMatchObject({ status: 'ok', hotkey: a.hotkey });
    target.endpoint = b.url;
    target.hotkey = b.hotkey;
    const second = await p.request(target, req());
    expect(second).toMatchObject({ status: 'ok', hotkey: b.hotkey });
    expect(b.stats.requests).toBe(1);
  });
});

describe('provenance', () => {
  it('one signature covers many concurrent answers; every proof path checks out', async () => {
    const s = await server({ proofFlushMs: 50 });
    const p = pool();
    await p.request({ endpoint: s.url }, req());
    const before = s.load.proofSignatures;
    const rs = await Promise.all(Array.from({ length: 100 }, () => p.request({ endpoint: s.url }, req())));
    expect(rs.every((r) => r.status === 'ok' && r.proof !== null)).toBe(true);
    const roots = new Set(rs.map((r) => r.proof?.root));
    expect(s.load.proofSignatures - before).toBe(roots.size);
    expect(roots.size).toBeLessThan(100);
  });

  const provable = (r: QueryResult) => ({ id: r.requestId as number, status: r.code as number, body: r.outputs ? { tensors: r.outputs, meta: r.meta ?? {} } : undefined, error: r.error });

  it("proofs 'later': answers resolve at once, one signature per flush covers two connections' answers, every derived proof verifies", async () => {
    const s = await server({ proofFlushMs: 300 });
    const [pa, pc] = [pool(), pool(devKeypair('charlie'))];
    await Promise.all([pa.request({ endpoint: s.url }, req()), pc.request({ endpoint: s.url }, req())]);
    const before = s.load.proofSignatures;
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? pa : pc).request({ endpoint: s.url }, req(), { proofs: 'later' })));
    const answeredMs = performance.now() - t0;
    expect(rs.every((r) => r.status === 'ok' && r.proof === null && r.proofSettled)).toBe(true);
    expect(answeredMs).toBeLessThan(300); // nobody waits for these proofs: the answers did not wait for the 300 ms flush
    await Promise.all(rs.map((r) => r.proofSettled));
    expect(rs.map((r) => r.proofError ?? 'ok')).toEqual(rs.map(() => 'ok'));
    expect(new Set(rs.map((r) => r.proof?.root)).size).toBe(1);
    expect(s.load.proofSignatures - before).toBe(1);
    expect(new Set(rs.map((r) => r.proof?.validator)).size).toBe(2);
    for (const r of rs) {
      expect(verifyProof(r.proof!, provable(r), { id: r.requestId!, synapse: 'infer', body: { tensors: req().tensors, meta: {} } })).toEqual({ ok: true });
      // what the validator logs: the plain JSON form, which verifies the same
      const plain = JSON.parse(JSON.stringify(r.proof)) as ResponseProof;
      expect(Object.keys(plain).sort()).toEqual(['count', 'index', 'miner', 'path', 'request', 'response', 'root', 'session', 'signature', 'ts', 'v', 'validator']);
      expect(plain.v).toBe(3);
      expect(verifyProof(plain, provable(r)).ok).toBe(true);
      // format v3 carries the request and the answer themselves: a third party reads both from the proof
      const both = provenMessages(plain)!;
      expect(both.request).toMatchObject({ t: 'request', id: r.requestId, synapse: 'infer' });
      expect(Buffer.from(both.request.body.tensors.x.data)).toEqual(Buffer.from(req().tensors.x.data));
      expect(both.response).toMatchObject({ t: 'response', id: r.requestId, status: 200 });
      expect(Buffer.from(both.response.body!.tensors.y.data)).toEqual(Buffer.from(r.outputs!.y.data));
    }
    // a proof shown with another request than the one answered fails
    const other = { ...req().tensors.x, data: new Uint8Array(req().tensors.x.data).fill(0) };
    expect(verifyProof(rs[0].proof!, provable(rs[0]), { id: rs[0].requestId!, synapse: 'infer', body: { tensors: { x: other }, meta: {} } })).toEqual({ ok: false, reason: 'request_mismatch' });
    // tampering with any answer breaks its proof
    const r0 = rs[0];
    const y = r0.outputs!.y;
    const forged = { ...provable(r0), body: { tensors: { y: { ...y, data: new Uint8Array(y.data).fill(1) } }, meta: {} } };
    expect(verifyProof(r0.proof!, forged).ok).toBe(false);
  });

  it("a client waiting for proofs is not held to the flush interval: the idle miner signs at once", async () => {
    const s = await server({ proofFlushMs: 5_000 });
    const p = pool();
    await p.request({ endpoint: s.url }, req());
    const t0 = performance.now();
    const r = await p.request({ endpoint: s.url }, req());
    expect(r.proof).not.toBeNull();
    expect(performance.now() - t0).toBeLessThan(2_500);
  });

  it('an answer that arrives after the client gave up still counts in the next proof: later proofs stay verifiable', async () => {
    const s = await server({ proofFlushMs: 5_000 }, { handler: sleepHandler() });
    const p = pool();
    expect((await p.request({ endpoint: s.url }, req())).proof).not.toBeNull(); // connected (and proved)
    const before = s.load.proofSignatures;
    // 'later': the miner does not sign at once for it, so its leaf shares the next tree with the two below
    const pending = p.request({ endpoint: s.url }, req({ ms: 10 }), { timeoutMs: 100, proofs: 'later' });
    await new Promise((r) => setImmediate(r)); // the request leaves
    // the answer (10 ms) lands while this process is busy; when it looks again, the request's
    // deadline timer runs first (timers before I/O), so the answer arrives after it gave up
    const busyUntil = performance.now() + 250;
    while (performance.now() < busyUntil) {
      /* busy */
    }
    const late = await pending;
    expect(late.status).toBe('timeout');
    await new Promise((r) => setTimeout(r, 100)); // the late answer is read; its proof is pending
    const rs = await Promise.all([p.request({ endpoint: s.url }, req()), p.request({ endpoint: s.url }, req())]);
    for (const r of rs) {
      expect(r.proofError).toBeUndefined();
      expect(r.proof?.count).toBe(3);
      expect(verifyProof(r.proof!, provable(r)).ok).toBe(true);
    }
    expect(s.load.proofSignatures - before).toBe(1);
  });

  it('a miner that goes idle signs once for every answer just sent, including the one whose leaf is not hashed yet', async () => {
    const s = await server({ proofFlushMs: 5_000 }, { handler: sleepHandler() });
    const p = pool();
    expect((await p.request({ endpoint: s.url }, req())).proof).not.toBeNull(); // connected (and proved)
    const before = s.load.proofSignatures;
    // two waited-for requests in one frame: the first answer's leaf is hashed while the second
    // still runs; the second ends the work, and its leaf is hashed before the idle miner signs
    const [a, b] = await Promise.all([p.request({ endpoint: s.url }, req({ ms: 0 })), p.request({ endpoint: s.url }, req({ ms: 30 }))]);
    for (const r of [a, b]) {
      expect(r.proofError).toBeUndefined();
      expect(r.proof?.count).toBe(2);
      expect(verifyProof(r.proof!, provable(r)).ok).toBe(true);
    }
    expect(s.load.proofSignatures - before).toBe(1);
  });

  it('a proof later than proofWaitMs: the answer settles proof_timeout, the stale proof is set aside, later proofs verify', async () => {
    const s = await server({ proofFlushMs: 400 });
    const p = new ClientPool({ keypair: alice() }, { timeoutMs: 5000, proofWaitMs: 100 });
    pools.push(p);
    const r1 = await p.request({ endpoint: s.url }, req(), { proofs: 'later' });
    expect(r1.status).toBe('ok');
    await r1.proofSettled;
    expect(r1.proof).toBeNull();
    expect(r1.proofError).toBe('proof_timeout');
    await new Promise((r) => setTimeout(r, 600)); // the stale proof arrived and named an answer no longer held
    const r2 = await p.request({ endpoint: s.url }, req());
    expect(r2.proofError).toBeUndefined();
    expect(verifyProof(r2.proof!, provable(r2)).ok).toBe(true);
  });

  it('a malicious miner sending bad proof signatures: answers arrive, proofs are rejected', async () => {
    const honest = bob();
    const liar: Keypair = {
      address: honest.address,
      publicKey: honest.publicKey,
      sign: (m) => (Buffer.from(m.subarray(0, 18)).toString() === 'subnet-ts/proof/v1' ? new Uint8Array(64).fill(9) : honest.sign(m)),
    };
    const s = await server({}, { keypair: liar });
    const r = await pool().request({ endpoint: s.url, hotkey: honest.address }, req());
    expect(r.status).toBe('ok');
    expect(r.proof).toBeNull();
    expect(r.proofError).toBe('bad_signature');
  });
});

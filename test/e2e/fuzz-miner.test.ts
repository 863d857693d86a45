/**
 * BAD INPUT: more than 10,000 malformed frames at a live `subnet miner` process, while a
 * well-behaved validator keeps querying it. Every malformed frame is either answered with a
 * typed error (status 400/404/422, inside an authenticated session) or ends its connection with
 * the documented close code; the miner stays up and keeps answering the good client correctly.
 * Categories: random bytes, truncated frames, wrong msgpack types, absurd shapes, byte-length
 * mismatches, model-invalid tensors, unknown synapses, bad deadlines, oversized payloads,
 * replays, reorders, tampered and reflected frames, wrong hotkeys, stale handshakes, data
 * frames before the handshake, text frames, batch frames (kind 0x11) that are not an array of
 * messages or carry junk entries (each junk entry answered 400 on its own), batch frames before
 * the handshake.
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { Packr } from 'msgpackr';
import { WebSocket, type RawData } from 'ws';
import { devKeypair, keysReady, keypairFromSeed } from '../../shared/keys';
import type { Keypair } from '../../shared/keys/interface';
import { generateInputs } from '../../shared/model';
import {
  Close,
  ClientHandshake,
  decodeBatch,
  decodeMessage,
  encodeMessage,
  FRAME_KIND,
  protocolReady,
  Status,
  tensorFrom,
  type Message,
  type Session,
  PROTOCOL_VERSION,
} from '../../shared/protocol';
import { ClientPool } from '../../validator/client';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli';

jest.setTimeout(180_000);

const READY = /miner listening on (ws:\/\/\S+) hotkey=(\S+)/;
const MAX_PAYLOAD = 65_536;
const DOCUMENTED_CLOSES = new Set<number>(Object.values(Close));
const packr = new Packr({ useRecords: false });
/** FUZZ_SCALE=0.1 for a quick local run; the test asserts >= 10,000 frames only at scale 1 */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const sc = (n: number) => Math.max(1, Math.round(n * SCALE));
const progress = (s: string) => { if (process.env.FUZZ_VERBOSE) process.stderr.write(`${new Date().toISOString()} ${s}\n`); };

class Raw {
  /** messages of a batch frame not yet returned by msg() */
  private batched: Message[] = [];
  readonly ws: WebSocket;
  session?: Session;
  private inbox: Buffer[] = [];
  private waiter?: (b: Buffer | null) => void;
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d: RawData) => {
      const b = Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(b);
      } else this.inbox.push(b);
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        this.waiter?.(null);
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static open(url: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 24 });
      const r = new Raw(ws);
      ws.once('open', () => resolve(r));
      ws.once('error', reject);
    });
  }

  send(b: Uint8Array | string, binary = true): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(b, { binary });
  }

  next(timeoutMs = 10_000): Promise<Buffer | null> {
    const b = this.inbox.shift();
    if (b) return Promise.resolve(b);
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.waiter = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  }

  async handshake(kp: Keypair): Promise<Session> {
    const hs = new ClientHandshake(kp);
    this.send(hs.hello());
    const sh = await this.next();
    if (!sh) throw new Error('closed during handshake');
    const { auth, session } = hs.onServerHello(sh);
    this.send(auth);
    this.session = session;
    const welcome = await this.msg();
    if (welcome?.t !== 'welcome') throw new Error('no welcome');
    return session;
  }

  /** next decoded message, skipping proof batches */
  async msg(): Promise<Message | null> {
    for (;;) {
      const queued = this.batched.shift();
      if (queued) return queued;
      const b = await this.next();
      if (!b) return null;
      const session = this.session as Session;
      const pt = session.open(b);
      if (session.lastKind === FRAME_KIND.batch) {
        for (const e of decodeBatch(pt)) if ((e as Message).t !== 'proof') this.batched.push(e as Message);
      } else {
        const m = decodeMessage(pt);
        if (m.t !== 'proof') return m;
      }
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

let miner: ChildProcess;
let url: string;
let minerHotkey: string;
const counts: Record<string, number> = {};
const closeCodes: Record<string, number> = {};
const count = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
  miner = spawnCli(['miner', '--no-chain', '--dev', '--axon.ip', '127.0.0.1', '--axon.port', '0', '--axon.max_payload', String(MAX_PAYLOAD), '--axon.rate_limit', '0', '--log-level', 'warn']);
  const line = await waitForOutput(miner, READY, 30_000);
  const m = line.match(READY) as RegExpMatchArray;
  url = m[1];
  minerHotkey = m[2];
});

afterAll(async () => {
  if (miner) await stopChild(miner, 5000);
});

/** Runs `n` single-frame connection attacks, `par` at a time; each must close with a documented code. */
async function connectionAttacks(name: string, n: number, par: number, attack: (r: Raw, i: number) => Promise<void>, expectCodes: number[] | 'any'): Promise<void> {
  progress(name);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const r = await Raw.open(url);
      await attack(r, i);
      let timer: NodeJS.Timeout | undefined;
      const c = await Promise.race([r.closed, new Promise<{ code: number }>((res) => (timer = setTimeout(() => res({ code: -1 }), 10_000)))]);
      clearTimeout(timer);
      closeCodes[c.code] = (closeCodes[c.code] ?? 0) + 1;
      if (c.code === -1) r.close();
      if (expectCodes === 'any') expect(DOCUMENTED_CLOSES.has(c.code)).toBe(true);
      else expect(expectCodes).toContain(c.code);
      count(name);
    }
  };
  await Promise.all(Array.from({ length: par }, worker));
}

/**
 * Below the WebSocket library: a TCP client that upgrades by hand, then writes raw (mostly
 * invalid) WebSocket framing. Resolves with the close code of the miner's close frame, or -1.
 */
function rawWsFraming(wsUrl: string, bytes: Buffer): Promise<number> {
  const u = new URL(wsUrl);
  return new Promise((resolve) => {
    const sock = tcpConnect(Number(u.port), u.hostname);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const done = (code: number) => {
      clearTimeout(t);
      sock.destroy();
      resolve(code);
    };
    const t = setTimeout(() => done(-1), 10_000);
    sock.on('error', () => undefined);
    sock.on('close', () => done(-1));
    sock.on('connect', () => {
      sock.write(`GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
        sock.write(bytes);
      }
      // server frames are unmasked: look for a close frame 0x88 <len> <code u16>
      for (let i = 0; i + 3 < buf.length; ) {
        const op = buf[i] & 0x0f;
        const len = buf[i + 1] & 0x7f;
        const hdr = len === 126 ? 4 : len === 127 ? 10 : 2;
        const plen = len === 126 ? buf.readUInt16BE(i + 2) : len === 127 ? Number(buf.readBigUInt64BE(i + 2)) : len;
        if (op === 0x8) return done(plen >= 2 ? buf.readUInt16BE(i + hdr) : 1005);
        i += hdr + plen;
      }
    });
  });
}

function maskedFrame(firstByte: number, payload: Buffer, lenOverride?: Buffer): Buffer {
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  const len = lenOverride ?? (payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.concat([Buffer.from([0x80 | 126]), Buffer.from([payload.length >> 8, payload.length & 255])]));
  return Buffer.concat([Buffer.from([firstByte]), len, key, masked]);
}

const BAD_FRAMING: [string, () => Buffer, number[]][] = [
  ['unmasked client frame', () => Buffer.concat([Buffer.from([0x82, 4]), randomBytes(4)]), [1002]],
  ['reserved opcode', () => maskedFrame(0x83, randomBytes(8)), [1002]],
  ['RSV1 without extension', () => maskedFrame(0xc2, randomBytes(8)), [1002]],
  ['invalid UTF-8 text', () => maskedFrame(0x81, Buffer.from([0xc3, 0x28, 0xff, 0xfe])), [1007]],
  ['oversized ping', () => maskedFrame(0x89, randomBytes(200)), [1002]],
  ['fragmented ping', () => maskedFrame(0x09, randomBytes(4)), [1002]],
  ['continuation without start', () => maskedFrame(0x80, randomBytes(4)), [1002]],
  ['64-bit length with the top bit set', () => Buffer.concat([Buffer.from([0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1]), randomBytes(8)]), [1002, 1009]],
  ['length above maxPayload', () => Buffer.concat([Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0x7f, 0, 0, 0]), randomBytes(8)]), [1009]],
];

function helloBody(kp: Keypair, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { l: 'subnet-ts/axon/v1', k: kp.publicKey, n: randomBytes(32), e: randomBytes(32), ts: Date.now(), ...over };
}
function hsFrame(kind: number, body: unknown): Buffer {
  return Buffer.concat([Buffer.from([PROTOCOL_VERSION, kind]), packr.pack(body)]);
}

function randomJunkValue(i: number): unknown {
  const pick = i % 14;
  const buf = randomBytes(8);
  switch (pick) {
    case 0: return i;
    case 1: return `str${i}`;
    case 2: return [1, 'two', null];
    case 3: return null;
    case 4: return [1, `id${i}`];
    case 5: return [1, i, 42, 100, [], {}];
    case 6: return [1, i, 'infer', 'soon', [], {}];
    case 7: return [1, i, 'infer', 100, 'tensors', {}];
    case 8: return [1, i, 'infer', 100, [['x', 'abc']], {}];
    case 9: return [1, i, 'infer', 100, [['x', 'float32', 'shape', buf]], {}];
    case 10: return [1, i, 'infer', 100, [['x', 'float32', [2], [1.0, 2.0]]], {}];
    case 11: return [2, i, 200, buf, null, null];
    case 12: return [99, i];
    default: return [1, i, 'infer', 100, [], { deep: buf }];
  }
}

function absurdRequest(i: number): unknown {
  const shapes = [[1e9, 1e9], [2 ** 31, 2 ** 31, 2], [-1, 32], [1, 32, 1, 1, 1, 1, 1, 1, 1, 1], [1.5, 32], [Number.MAX_SAFE_INTEGER], ['a', 'b']];
  return [1, i, 'infer', 1000, [['x', 'float32', shapes[i % shapes.length], randomBytes(128)]], {}];
}

function mismatchRequest(i: number): unknown {
  const variants = [
    ['float32', [1, 32], randomBytes(127)],
    ['float32', [1, 32], randomBytes(0)],
    ['complex64', [1, 32], randomBytes(256)],
    ['int64', [1, 32], randomBytes(128)],
    ['', [1], randomBytes(4)],
  ];
  return [1, i, 'infer', 1000, [['x', ...variants[i % variants.length]]], {}];
}

function modelInvalid(i: number): Record<string, import('../../shared/model/interface').TensorData> {
  switch (i % 5) {
    case 0: return { x: tensorFrom('float32', [1, 33], new Float32Array(33)) };
    case 1: return { x: tensorFrom('float32', [1, 32], new Float32Array(32).fill(Number.POSITIVE_INFINITY)) };
    case 2: return { x: tensorFrom('int32', [1, 32], new Int32Array(32)) };
    case 3: return { x: tensorFrom('float32', [32], new Float32Array(32)) };
    default: return { wrong: tensorFrom('float32', [1, 32], new Float32Array(32)) };
  }
}

it('survives >10,000 malformed frames while serving a good client', async () => {
  // the well-behaved validator, querying all along
  const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 10_000 });
  let goodStop = false;
  let goodOk = 0;
  const goodFailures: string[] = [];
  const good = (async () => {
    let seed = 0;
    while (!goodStop) {
      const input = generateInputs(++seed, 2);
      const [r] = await pool.query([{ endpoint: url, hotkey: minerHotkey }], { synapse: 'infer', tensors: input }, { timeoutMs: 10_000 });
      if (r.status === 'ok' && r.outputs?.y.shape.join() === '2,16' && r.proof) goodOk++;
      else goodFailures.push(`${r.status} ${r.error?.code ?? ''} ${r.proofError ?? ''}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  })();

  try {
  // ---- inside authenticated sessions: each frame answered with a typed error, connection stays
  const attacker = keypairFromSeed(new Uint8Array(32).fill(77));
  const sessions = await Promise.all([0, 1, 2, 3].map(async () => {
    const r = await Raw.open(url);
    await r.handshake(attacker);
    return r;
  }));
  async function inSession(name: string, n: number, make: (i: number) => Uint8Array, expectStatus: number, expectCode?: string): Promise<void> {
    progress(name);
    const per = Math.ceil(n / sessions.length);
    await Promise.all(sessions.map(async (r, si) => {
      const session = r.session as Session;
      const CHUNK = 200;
      for (let start = 0; start < per; start += CHUNK) {
        const k = Math.min(CHUNK, per - start);
        for (let j = 0; j < k; j++) r.send(session.seal(make(si * per + start + j + 1)));
        for (let j = 0; j < k; j++) {
          const m = await r.msg();
          expect(m?.t).toBe('response');
          if (m?.t !== 'response') throw new Error(`${name}: connection closed`);
          expect(m.status).toBe(expectStatus);
          expect(typeof m.error?.code).toBe('string');
          if (expectCode) expect(m.error?.code).toBe(expectCode);
          count(name);
        }
      }
    }));
  }
  await inSession('random plaintext bytes', sc(2000), (i) => randomBytes(1 + (i % 300)), Status.bad_request, 'protocol.bad_message');
  await inSession('wrong msgpack types', sc(2000), (i) => packr.pack(randomJunkValue(i)), Status.bad_request, 'protocol.bad_message');
  await inSession('absurd shapes', sc(1200), (i) => packr.pack(absurdRequest(i)), Status.bad_request, 'protocol.bad_message');
  await inSession('dtype/length mismatch', sc(1200), (i) => packr.pack(mismatchRequest(i)), Status.bad_request, 'protocol.bad_message');
  await inSession('model-invalid tensors', sc(1000), (i) => encodeMessage({ t: 'request', id: i, synapse: 'infer', timeoutMs: 5000, body: { tensors: modelInvalid(i), meta: {} } }), Status.invalid_input);
  await inSession('unknown synapse', sc(400), (i) => encodeMessage({ t: 'request', id: i, synapse: `nope${i % 7}`, timeoutMs: 5000, body: { tensors: generateInputs(1, 1), meta: {} } }), Status.unknown_synapse, 'unknown_synapse');
  await inSession('bad deadlines', sc(400), (i) => packr.pack([1, i, 'infer', [0, -5, 1e12, 'x', null][i % 5], [], {}]), Status.bad_request, 'protocol.bad_message');
  // batch frames (kind 0x11): a plaintext that is not an array of 1..1024 messages is one 400;
  // each junk entry of an array is answered 400 on its own, the connection stays open
  async function inBatch(name: string, n: number, make: (i: number) => { pt: Uint8Array; answers: number }): Promise<void> {
    progress(name);
    const per = Math.ceil(n / sessions.length);
    await Promise.all(sessions.map(async (r, si) => {
      const session = r.session as Session;
      for (let j = 0; j < per; j++) {
        const { pt, answers } = make(si * per + j + 1);
        r.send(session.seal(pt, FRAME_KIND.batch));
        for (let k = 0; k < answers; k++) {
          const m = await r.msg();
          if (m?.t !== 'response') throw new Error(`${name}: connection closed`);
          expect(m.status).toBe(Status.bad_request);
          expect(m.error?.code).toBe('protocol.bad_message');
        }
        count(name);
      }
    }));
  }
  await inBatch('batch frame not an array of messages', sc(300), (i) => ({
    pt: [() => randomBytes(1 + (i % 200)), () => packr.pack([]), () => packr.pack({ batch: randomJunkValue(i) }), () => packr.pack(new Array(1025).fill([5, 1]))][i % 4](),
    answers: 1,
  }));
  await inBatch('batch frame with junk entries', sc(300), (i) => {
    const k = 1 + (i % 8);
    const entries = Array.from({ length: k }, (_, j) => [randomJunkValue(i * 8 + j), absurdRequest(i * 8 + j), mismatchRequest(i * 8 + j)][j % 3]);
    // junk values that happen to be arrays/maps still decode to a bad message; never a valid request
    return { pt: packr.pack(entries), answers: k };
  });
  for (const r of sessions) expect(r.isClosed).toBe(false);
  for (const r of sessions) r.close();

  // ---- frames that end their connection, each with its documented close code
  await connectionAttacks('random bytes before handshake', sc(500), 16, async (r, i) => r.send(randomBytes(1 + (i % 200))), 'any');
  await connectionAttacks('truncated hello', sc(300), 16, async (r, i) => {
    const full = hsFrame(FRAME_KIND.clientHello, helloBody(attacker));
    r.send(full.subarray(0, 1 + (i % (full.length - 1))));
  }, [Close.protocol_error, Close.handshake_failed]);
  await connectionAttacks('wrong types in hello', sc(300), 16, async (r, i) => {
    const over = [{ k: 'me' }, { n: 5 }, { e: [1, 2] }, { ts: 'now' }, { l: 7 }, { k: randomBytes(31) }][i % 6];
    r.send(hsFrame(FRAME_KIND.clientHello, helloBody(attacker, over)));
  }, [Close.handshake_failed]);
  await connectionAttacks('data frame before handshake', sc(200), 16, async (r) => r.send(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data]), randomBytes(40)])), [Close.handshake_required]);
  await connectionAttacks('batch frame before handshake', sc(100), 16, async (r) => r.send(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.batch]), randomBytes(40)])), [Close.handshake_required]);
  await connectionAttacks('auth before hello', sc(100), 16, async (r) => r.send(hsFrame(FRAME_KIND.clientAuth, { g: randomBytes(64) })), [Close.protocol_error]);
  await connectionAttacks('text frame', sc(100), 16, async (r) => r.send('hello', false), [Close.protocol_error]);
  await connectionAttacks('unsupported version', sc(100), 16, async (r) => r.send(Buffer.concat([Buffer.from([1, 1]), randomBytes(60)])), [Close.unsupported_version]);
  await connectionAttacks('stale handshake', sc(100), 16, async (r) => r.send(hsFrame(FRAME_KIND.clientHello, helloBody(attacker, { ts: Date.now() - 3_600_000 }))), [Close.stale_timestamp]);
  await connectionAttacks('wrong hotkey (claims the dev validator key)', sc(200), 16, async (r) => {
    // claims //Alice's hotkey, but can only sign with its own key
    const hs = new ClientHandshake({ ...attacker, address: devKeypair('alice').address, publicKey: devKeypair('alice').publicKey, sign: (m: Uint8Array) => attacker.sign(m) });
    r.send(hs.hello());
    const sh = await r.next();
    if (!sh) return;
    const { auth } = hs.onServerHello(sh);
    r.send(auth);
  }, [Close.bad_signature]);
  await connectionAttacks('oversized payload', sc(40), 8, async (r) => r.send(randomBytes(MAX_PAYLOAD + 1 + 1000)), [Close.too_big]);
  const afterHandshake = (name: string, n: number, attack: (r: Raw, s: Session) => void, codes: number[]) =>
    connectionAttacks(name, n, 16, async (r) => {
      const s = await r.handshake(attacker);
      attack(r, s);
    }, codes);
  const req = () => encodeMessage({ t: 'request', id: 1, synapse: 'infer', timeoutMs: 5000, body: { tensors: generateInputs(1, 1), meta: {} } });
  await afterHandshake('tampered frame', sc(200), (r, s) => {
    const f = s.seal(req());
    f[10 + Math.floor(Math.random() * (f.length - 10))] ^= 1 << Math.floor(Math.random() * 8);
    r.send(f);
  }, [Close.auth_failed]);
  await afterHandshake('replayed frame', sc(200), (r, s) => {
    const f = s.seal(req());
    r.send(f);
    r.send(f);
  }, [Close.replayed]);
  await afterHandshake('reordered frames', sc(100), (r, s) => {
    const a = s.seal(req());
    const b = s.seal(req());
    r.send(b);
    r.send(a);
  }, [Close.out_of_order]);
  await afterHandshake('forged frame (random key)', sc(100), (r) => r.send(Buffer.concat([Buffer.from([PROTOCOL_VERSION, FRAME_KIND.data, 0, 0, 0, 0, 0, 0, 0, 0]), randomBytes(80)])), [Close.auth_failed]);
  await afterHandshake('second hello inside a session', sc(100), (r) => r.send(hsFrame(FRAME_KIND.clientHello, helloBody(attacker))), [Close.protocol_error]);

  // invalid WebSocket framing under the protocol (handled by ws itself, RFC 6455 close codes)
  {
    progress('invalid websocket framing');
    const n = sc(270);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const [, make, codes] = BAD_FRAMING[i % BAD_FRAMING.length];
        const code = await rawWsFraming(url, make());
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        expect(codes).toContain(code);
        count('invalid websocket framing');
      }
    }));
  }

  // a frame captured on one connection, replayed into another
  await connectionAttacks('cross-connection replay', sc(100), 16, async (r) => {
    const other = await Raw.open(url);
    const s1 = await other.handshake(attacker);
    const f = s1.seal(req());
    other.close();
    await r.handshake(attacker);
    r.send(f);
  }, [Close.auth_failed]);

  } finally {
    goodStop = true;
    await good;
    await pool.close();
  }

  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ malformed_frames: total, by_category: counts, close_codes: closeCodes, good_answers: goodOk }));
  if (SCALE >= 1) expect(total).toBeGreaterThanOrEqual(10_000);
  expect(goodFailures).toEqual([]);
  expect(goodOk).toBeGreaterThan(20);
  // still up, still answering the acceptance query
  expect(miner.exitCode).toBeNull();
  const q = await runCli(['query', url, '--random', '--dev'], { timeoutMs: 30_000 });
  expect(q.code).toBe(0);
  expect((JSON.parse(q.stdout) as { status: string }).status).toBe('ok');
});

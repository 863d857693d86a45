/**
 * How the client handles several answer frames that arrive in one socket read. A scripted miner
 * (real handshake, real AEAD frames, on loopback) answers a window of requests in several batch
 * frames written back to back, so they reach the client together:
 * - the client handles one frame per macrotask: the requests its callers send for the first
 *   frame's answers leave before the second frame is decoded (the two processes overlap);
 * - frames that arrive together with the end of the connection (the miner writes its answers and
 *   drops the socket) are still handled: their answers are `ok`,
 *   not lost as `connection_closed`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { devKeypair, keysReady } from '../../shared/keys';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { AllowAllPolicy, AxonServer, modelHandler } from '../../miner';
import {
  FRAME_KIND,
  PROTOCOL_VERSION,
  ServerHandshake,
  Status,
  decodeBatch,
  encodeBatchUnsafe,
  encodeMessage,
  protocolReady,
  requestDigestV2,
  type Message,
  type RequestMessage,
  type Session,
  verifyProof,
} from '../../shared/protocol';
import { MinerConnection, type QueryResult } from '../../validator/client';

jest.setTimeout(30_000);

interface Script {
  /** answers per frame; every frame of one window is written in the same turn */
  perFrame: number;
  /** close the socket right after writing the answers of this many requests */
  closeAfter?: number;
}

const servers: WebSocketServer[] = [];
const axons: AxonServer[] = [];
const conns: MinerConnection[] = [];

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
});
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  await Promise.all(axons.splice(0).map((a) => a.stop({ drainMs: 0 })));
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A miner that answers each request frame in frames of `perFrame`, all written at once. */
async function scriptedMiner(script: Script): Promise<{ url: string; hotkey: string; answered: () => number }> {
  const key = devKeypair('bob');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let answered = 0;
  wss.on('connection', (ws: WebSocket) => {
    const hs = new ServerHandshake(key);
    let hello = false;
    let session: Session | undefined;
    ws.on('message', (data: Buffer) => {
      if (!hello) {
        hello = true;
        ws.send(hs.onClientHello(data));
        return;
      }
      if (!session) {
        session = hs.onClientAuth(data);
        const welcome: Message = {
          t: 'welcome',
          version: PROTOCOL_VERSION,
          synapses: ['infer'],
          inputs: [],
          outputs: [],
          limits: { maxPayload: 1 << 20, maxInFlightPerConnection: 1024, maxTimeoutMs: 60_000 },
          meta: {},
          batchFrames: true,
        };
        ws.send(session.seal(encodeMessage(welcome)));
        return;
      }
      const pt = session.open(data);
      const reqs = (session.lastKind === FRAME_KIND.batch ? decodeBatch(pt) : [decodeBatch(pt)[0]]) as RequestMessage[];
      const answers: Message[] = reqs.map((r) => ({ t: 'response', id: r.id, status: Status.ok, requestDigest: requestDigestV2(r), body: { tensors: r.body.tensors, meta: {} } }));
      for (let i = 0; i < answers.length; i += script.perFrame) {
        ws.send(session.seal(encodeBatchUnsafe(answers.slice(i, i + script.perFrame)), FRAME_KIND.batch));
        answered += Math.min(script.perFrame, answers.length - i);
        if (script.closeAfter !== undefined && answered >= script.closeAfter) {
          ws.terminate(); // FIN right behind the answers: they and the close reach the client together
          return;
        }
      }
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, hotkey: key.address, answered: () => answered };
}

async function connect(url: string, hotkey: string): Promise<MinerConnection> {
  const c = new MinerConnection({ endpoint: url, hotkey }, devKeypair('alice'), { proofs: 'later', proofWaitMs: 100, frameMessages: 32 });
  conns.push(c);
  await c.connect();
  return c;
}

const req = { synapse: 'infer', tensors: generateInputs(1, 1) };

describe('client: several answer frames in one read', () => {
  it('handles one frame per macrotask: the requests sent for the first frame leave before the second frame is decoded', async () => {
    const m = await scriptedMiner({ perFrame: 8 });
    const c = await connect(m.url, m.hotkey);
    // a window of 32 requests in one frame; the miner answers in 4 frames of 8, written together
    const framesAtAnswer = new Map<number, number>();
    const followUps: Promise<QueryResult>[] = [];
    const first = await Promise.all(
      Array.from({ length: 32 }, () =>
        c.request(req).then((r) => {
          framesAtAnswer.set(r.requestId as number, c.framesSent);
          followUps.push(c.request(req)); // what a pipelining caller does at each answer
          return r;
        }),
      ),
    );
    expect(first.map((r) => r.status)).toEqual(Array(32).fill('ok'));
    const byFrame = [0, 1, 2, 3].map((f) => [...framesAtAnswer].filter(([id]) => Math.floor((id - 1) / 8) === f).map(([, n]) => n));
    // the 8 answers of one frame see the same number of frames sent; each next frame sees one more
    for (const f of byFrame) expect(new Set(f).size).toBe(1);
    const seen = byFrame.map((f) => f[0]);
    expect(seen).toEqual([seen[0], seen[0] + 1, seen[0] + 2, seen[0] + 3]);
    expect((await Promise.all(followUps)).map((r) => r.status)).toEqual(Array(32).fill('ok'));
  });

  it('answers that arrive together with the end of the connection are delivered, not reported as connection_closed', async () => {
    const m = await scriptedMiner({ perFrame: 4, closeAfter: 16 });
    const c = await connect(m.url, m.hotkey);
    const results = await Promise.all(Array.from({ length: 16 }, () => c.request(req)));
    expect(m.answered()).toBe(16);
    expect(results.map((r) => r.status)).toEqual(Array(16).fill('ok'));
    expect(c.isOpen).toBe(false);
  });
});

describe('client: a proof over many answers', () => {
  it('is checked in slices (32 leaves per macrotask) and proves every answer of its range', async () => {
    const runner = new FakeModelRunner();
    // one signed root over 300 answers: the miner signs at 300 leaves (its timer is far away)
    const axon = new AxonServer(
      { keypair: devKeypair('bob'), handler: modelHandler(runner), policy: new AllowAllPolicy(), runner },
      { host: '127.0.0.1', port: 0, rateLimitPerSec: 0, proofBatchMax: 300, proofFlushMs: 60_000 },
    );
    await axon.start();
    axons.push(axon);
    const c = await connect(axon.url, axon.hotkey);
    // two rounds of 150 (the miner allows 256 in flight per connection)
    const results = [...(await Promise.all(Array.from({ length: 150 }, () => c.request(req))))];
    results.push(...(await Promise.all(Array.from({ length: 150 }, () => c.request(req)))));
    expect(results.map((r) => r.status)).toEqual(Array(300).fill('ok'));
    await Promise.all(results.map((r) => r.proofSettled));
    expect(results.filter((r) => r.proofError !== undefined)).toEqual([]);
    expect(c.proofSignaturesVerified).toBe(1);
    expect(new Set(results.map((r) => r.proof?.root)).size).toBe(1);
    expect(results.map((r) => r.proof?.count)).toEqual(Array(300).fill(300));
    for (const r of [results[0], results[31], results[32], results[127], results[128], results[255], results[256], results[299]]) {
      const response = { id: r.requestId as number, status: r.code as number, body: { tensors: r.outputs!, meta: r.meta ?? {} } };
      expect(verifyProof(r.proof!, response, { id: r.requestId as number, synapse: 'infer', body: { tensors: req.tensors, meta: {} } })).toEqual({ ok: true });
    }
    expect(c.idle).toBe(true);
  });
});

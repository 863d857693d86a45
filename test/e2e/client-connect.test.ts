/**
 * The client pool's connect timeout is its own (connectTimeoutMs), not the request's: a request
 * whose deadline passes while its connection is still connecting resolves as `timeout` at its
 * deadline, the connect goes on in the background, and the next query finds the connection ready
 * (no backoff for a connect that was merely slow). Real in-process miners behind a loopback
 * proxy that holds each new TCP connection for a while before forwarding it (a slow handshake).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { devKeypair, keysReady } from '../../shared/keys';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { protocolReady } from '../../shared/protocol';
import { AllowAllPolicy, AxonServer, modelHandler } from '../../miner';
import { ClientPool, type Target } from '../../validator/client';

jest.setTimeout(60_000);

const servers: AxonServer[] = [];
const pools: ClientPool[] = [];
const proxies: { server: net.Server; sockets: Set<net.Socket>; timers: Set<NodeJS.Timeout> }[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const p of proxies.splice(0)) {
    for (const t of p.timers) clearTimeout(t);
    for (const s of p.sockets) s.destroy();
    await new Promise((r) => p.server.close(r));
  }
  await Promise.all(servers.splice(0).map((s) => s.stop({ drainMs: 100 })));
  for (const c of children.splice(0)) {
    if (c.exitCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  }
});

const req = () => ({ synapse: 'infer', tensors: generateInputs(1, 1), meta: {} });

async function miner(): Promise<AxonServer> {
  const runner = new FakeModelRunner();
  const s = new AxonServer({ keypair: devKeypair('bob'), handler: modelHandler(runner), policy: new AllowAllPolicy(), runner }, { host: '127.0.0.1', port: 0, rateLimitPerSec: 0 });
  await s.start();
  servers.push(s);
  return s;
}

/** A TCP proxy to `port` that holds each new connection `delayMs` before forwarding a byte. */
async function slowProxy(port: number, delayMs: number): Promise<{ url: string; accepted: () => number }> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    const t = setTimeout(() => {
      timers.delete(t);
      if (client.destroyed) return;
      const up = net.connect(port, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => client.destroy());
      up.on('close', () => {
        sockets.delete(up);
        client.destroy();
      });
      client.on('close', () => up.destroy());
      client.pipe(up);
      up.pipe(client);
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxies.push({ server, sockets, timers });
  return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`, accepted: () => accepted };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client pool: connect timeout separate from the request timeout', () => {
  test('requests time out at their deadline while connecting; the connects finish in the background and the next query is all ok', async () => {
    const N = 4;
    const proxied = await Promise.all(Array.from({ length: N }, async () => slowProxy((await miner()).port, 600)));
    const targets: Target[] = proxied.map((p) => ({ endpoint: p.url, hotkey: devKeypair('bob').address }));
    const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 50, connectTimeoutMs: 10_000 });
    pools.push(pool);

    const t0 = performance.now();
    const first = await pool.query(targets, req());
    const took = performance.now() - t0;
    expect(first.map((r) => r.status)).toEqual(Array(N).fill('timeout'));
    for (const r of first) expect(r.error?.context).toMatchObject({ connecting: true });
    expect(took).toBeLessThan(500); // resolved at the 50 ms deadline, not when the connect ended

    // a query while the connects are still under way joins them (no second connect, no backoff)
    const second = await pool.query(targets, req());
    expect(second.map((r) => r.status)).toEqual(Array(N).fill('timeout'));

    // the connects finish in the background (600 ms hold + handshake), then every answer is ok
    let later = second;
    for (let i = 0; i < 40 && !later.every((r) => r.status === 'ok'); i++) {
      await sleep(100);
      later = await pool.query(targets, req());
    }
    expect(later.map((r) => r.status)).toEqual(Array(N).fill('ok'));
    expect(later.every((r) => r.hotkey === devKeypair('bob').address)).toBe(true);
    expect(pool.size).toBe(N);
    expect(proxied.map((p) => p.accepted())).toEqual(Array(N).fill(1)); // one connect each, never retried
  });

  test('a connect slower than connectTimeoutMs fails as timeout and backs off', async () => {
    const p = await slowProxy((await miner()).port, 2_000);
    const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 50, connectTimeoutMs: 150, backoffInitialMs: 5_000 });
    pools.push(pool);
    expect((await pool.request({ endpoint: p.url }, req())).status).toBe('timeout');
    await sleep(300); // the connect gave up at 150 ms
    const r = await pool.request({ endpoint: p.url }, req());
    expect(r.status).toBe('unreachable');
    expect(r.error?.code).toBe('backoff');
    expect(r.error?.context).toMatchObject({ lastError: 'timeout' });
    expect(p.accepted()).toBe(1);
  });

  test('close() during a pending connect releases its socket and timers at once', async () => {
    // a server (in another process, so its sockets are not counted here) that accepts and never answers
    const child = spawn(process.execPath, ['-e', "require('net').createServer(() => {}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', () => reject(new Error('holder exited')));
    });
    const count = () => process.getActiveResourcesInfo().filter((x) => x === 'TCPSocketWrap' || x === 'Timeout').length;
    const before = count();
    const pool = new ClientPool({ keypair: devKeypair('alice') }, { timeoutMs: 50, connectTimeoutMs: 30_000 });
    const r = await pool.request({ endpoint: `ws://127.0.0.1:${port}` }, req());
    expect(r.status).toBe('timeout');
    expect(count()).toBeGreaterThan(before); // the connect is still under way (socket + its timer)
    const t0 = performance.now();
    await pool.close();
    expect(performance.now() - t0).toBeLessThan(1_000); // not after connectTimeoutMs
    // a destroyed socket's handle is released a loop turn or two after its 'close' event
    for (let i = 0; i < 50 && count() > before; i++) await sleep(10);
    expect(count()).toBe(before);
    expect((await pool.request({ endpoint: `ws://127.0.0.1:${port}` }, req())).error?.code).toBe('pool_closed');
  });
});

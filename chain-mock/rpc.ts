/**
 * Substrate JSON-RPC over WebSocket (ws) for the local chain: the methods @polkadot/api needs,
 * subscriptions, dev_newBlock, and hardened input handling (bad JSON, unknown methods, wrong
 * params, oversized requests, binary frames, connection and subscription limits). Never throws
 * out of a handler: every failure becomes a JSON-RPC error object.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto';
import { Writer } from './scale';
import { SubnetError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { TxError } from './extrinsic';
import type { BlockRecord, LocalChain, TxStatus } from './chain';
import type { LocalChainOptions } from './options';

/** WebSocket close codes used by the server (see docs/chain-mock.md). */
export const CLOSE_CODES = {
  /** too many connections */
  TOO_MANY_CONNECTIONS: 4008,
  /** server shutting down */
  GOING_AWAY: 1001,
} as const;

interface RpcErrorObj {
  code: number;
  message: string;
  data?: unknown;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const invalidParams = (msg: string) => new RpcError(-32602, `Invalid params: ${msg}`);

type Sub = { method: string; unsubscribe: () => void };

interface Conn {
  ws: WebSocket;
  subs: Map<string, Sub>;
}

const SUBSCRIPTIONS: Record<string, { notify: string; unsub: string }> = {
  chain_subscribeNewHeads: { notify: 'chain_newHead', unsub: 'chain_unsubscribeNewHeads' },
  chain_subscribeNewHead: { notify: 'chain_newHead', unsub: 'chain_unsubscribeNewHead' },
  subscribe_newHead: { notify: 'chain_newHead', unsub: 'unsubscribe_newHead' },
  chain_subscribeFinalizedHeads: { notify: 'chain_finalizedHead', unsub: 'chain_unsubscribeFinalizedHeads' },
  chain_subscribeFinalisedHeads: { notify: 'chain_finalizedHead', unsub: 'chain_unsubscribeFinalisedHeads' },
  chain_subscribeAllHeads: { notify: 'chain_allHead', unsub: 'chain_unsubscribeAllHeads' },
  state_subscribeStorage: { notify: 'state_storage', unsub: 'state_unsubscribeStorage' },
  state_subscribeRuntimeVersion: { notify: 'state_runtimeVersion', unsub: 'state_unsubscribeRuntimeVersion' },
  chain_subscribeRuntimeVersion: { notify: 'state_runtimeVersion', unsub: 'chain_unsubscribeRuntimeVersion' },
  author_submitAndWatchExtrinsic: { notify: 'author_extrinsicUpdate', unsub: 'author_unwatchExtrinsic' },
};
const UNSUBSCRIBE = new Map(Object.entries(SUBSCRIPTIONS).map(([, v]) => [v.unsub, v.notify]));

export class RpcServer {
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private readonly conns = new Set<Conn>();
  private nextSub = 1;
  private readonly methods: Map<string, (params: unknown[], conn: Conn) => unknown>;
  port = 0;

  constructor(
    readonly chain: LocalChain,
    readonly opts: LocalChainOptions,
    readonly logger: Logger,
    readonly version: string,
  ) {
    this.methods = this.buildMethods();
  }

  async start(): Promise<void> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('the local chain speaks JSON-RPC over WebSocket\n');
    });
    const wss = new WebSocketServer({
      server: http,
      // frames above this close the socket with 1009; requests between maxRequestBytes and this get -32007
      maxPayload: this.opts.maxRequestBytes + 1024 * 1024,
      perMessageDeflate: false,
    });
    wss.on('connection', (ws) => this.onConnection(ws));
    wss.on('error', (e) => this.logger.warn('ws server error', { err: String(e) }));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.opts.port, this.opts.host, () => {
        http.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new SubnetError('CHAIN_LISTEN_FAILED', `cannot listen on ${this.opts.host}:${this.opts.port}: ${e.code ?? e.message}`, { host: this.opts.host, port: this.opts.port, code: e.code });
    });
    this.http = http;
    this.wss = wss;
    this.port = (http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    // a graceful close: peers see the close frame (1001) before stop() resolves
    const closing: Promise<void>[] = [];
    for (const c of this.conns) {
      for (const s of c.subs.values()) s.unsubscribe();
      c.subs.clear();
      closing.push(
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          const t = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 1000);
          c.ws.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          c.ws.close(CLOSE_CODES.GOING_AWAY, 'chain stopping');
        }),
      );
    }
    await Promise.all(closing);
    this.conns.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    this.http?.closeAllConnections?.();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
    this.wss = null;
    this.http = null;
  }

  private onConnection(ws: WebSocket): void {
    if (this.conns.size >= this.opts.maxConnections) {
      ws.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'too many connections');
      return;
    }
    const conn: Conn = { ws, subs: new Map() };
    this.conns.add(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    ws.on('error', (e) => this.logger.debug('ws connection error', { err: String(e) }));
    ws.on('close', () => {
      for (const s of conn.subs.values()) s.unsubscribe();
      conn.subs.clear();
      this.conns.delete(conn);
    });
  }

  private send(conn: Conn, obj: unknown): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    try {
      conn.ws.send(JSON.stringify(obj));
    } catch (e) {
      this.logger.debug('send failed', { err: String(e) });
    }
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : (data as Buffer).byteLength;
    if (isBinary) {
      this.send(conn, { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request: binary frames are not supported; send JSON text' }, id: null });
      return;
    }
    if (size > this.opts.maxRequestBytes) {
      this.send(conn, { jsonrpc: '2.0', error: { code: -32007, message: `Request is too big (${size} > ${this.opts.maxRequestBytes} bytes)` }, id: null });
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
    } catch {
      this.send(conn, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
      return;
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) {
        this.send(conn, { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request: empty batch' }, id: null });
        return;
      }
      const out = msg.map((m) => this.handle(conn, m)).filter((r) => r !== null);
      if (out.length) this.send(conn, out);
      return;
    }
    const r = this.handle(conn, msg);
    if (r !== null) this.send(conn, r);
  }

  /** One request → one response object (null for notifications without id). */
  private handle(conn: Conn, req: unknown): unknown {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: null };
    const { id, method, params, jsonrpc } = req as { id?: unknown; method?: unknown; params?: unknown; jsonrpc?: unknown };
    const validId = id === undefined || id === null || typeof id === 'number' || typeof id === 'string';
    if (jsonrpc !== '2.0' || typeof method !== 'string' || !validId) return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: validId ? (id ?? null) : null };
    const respond = (body: { result: unknown } | { error: RpcErrorObj }) => (id === undefined ? null : { jsonrpc: '2.0', ...body, id });
    let list: unknown[];
    if (params === undefined || params === null) list = [];
    else if (Array.isArray(params)) list = params;
    else if (method === 'dev_newBlock' && typeof params === 'object') list = [params];
    else return respond({ error: { code: -32602, message: 'Invalid params: expected an array' } });
    const fn = this.methods.get(method);
    if (!fn) return respond({ error: { code: -32601, message: `Method not found: ${method.slice(0, 100)}` } });
    try {
      const result = fn(list, conn);
      return respond({ result: result === undefined ? null : result });
    } catch (e) {
      return respond({ error: toRpcError(e) });
    }
  }

  // ---- methods ----------------------------------------------------------------------------

  private buildMethods(): Map<string, (params: unknown[], conn: Conn) => unknown> {
    const chain = this.chain;
    const m = new Map<string, (params: unknown[], conn: Conn) => unknown>();
    const at = (p: unknown[], i: number): string | null => {
      const v = p[i];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string' || !isHex(v) || v.length !== 66) throw invalidParams(`argument ${i + 1} must be a block hash`);
      return v;
    };
    const hexArg = (p: unknown[], i: number, what: string): string => {
      const v = p[i];
      if (typeof v !== 'string' || !isHex(v)) throw invalidParams(`argument ${i + 1} (${what}) must be 0x-prefixed hex`);
      return v.toLowerCase();
    };
    const block = (p: unknown[], i: number): BlockRecord | null => {
      const h = at(p, i);
      if (h === null) return chain.best;
      return chain.blockByHash(h) ?? null;
    };

    m.set('rpc_methods', () => ({ version: 1, methods: [...m.keys(), ...UNSUBSCRIBE.keys()].sort() }));
    m.set('system_chain', () => 'Bittensor Local');
    m.set('system_name', () => 'subnet-chain-mock');
    m.set('system_version', () => this.version);
    m.set('system_chainType', () => 'Development');
    m.set('system_properties', () => ({ ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' }));
    m.set('system_health', () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }));
    m.set('system_peers', () => []);
    m.set('system_localPeerId', () => '12D3KooWLocalChainMock');
    m.set('system_nodeRoles', () => ['Authority']);
    m.set('system_syncState', () => ({ startingBlock: 0, currentBlock: chain.best.number, highestBlock: chain.best.number }));
    m.set('system_accountNextIndex', (p) => {
      if (typeof p[0] !== 'string') throw invalidParams('expected an SS58 address');
      let pk: Uint8Array;
      try {
        pk = decodeAddress(p[0]);
      } catch {
        throw invalidParams('invalid SS58 address');
      }
      return chain.accountNextIndex(pk);
    });
    m.set('state_getRuntimeVersion', (p) => {
      at(p, 0);
      return chain.runtimeVersion();
    });
    m.set('chain_getRuntimeVersion', (p) => {
      at(p, 0);
      return chain.runtimeVersion();
    });
    m.set('state_getMetadata', (p) => {
      at(p, 0);
      return u8aToHex(chain.rt.metadata());
    });
    m.set('state_call', (p) => {
      const method = p[0];
      if (typeof method !== 'string') throw invalidParams('expected a runtime API method name');
      const data = hexToU8a(hexArg(p, 1, 'data'));
      const md = chain.rt.metadata();
      const wr = new Writer(md.length + 8);
      if (method === 'Metadata_metadata_versions') {
        wr.compact(1);
        wr.uint(14, 4);
        return u8aToHex(wr.finish());
      }
      if (method === 'Metadata_metadata' || method === 'Metadata_metadata_at_version') {
        if (method === 'Metadata_metadata_at_version') {
          const v = data.length === 4 ? data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24) : -1;
          if (v !== 14) return '0x00';
          wr.u8(1);
        }
        // SCALE Vec<u8> of the metadata (OpaqueMetadata)
        wr.compact(md.length);
        wr.bytes(md);
        return u8aToHex(wr.finish());
      }
      throw new RpcError(-32000, `Client error: Execution failed: Other: Exported method ${method} is not found`);
    });
    m.set('chain_getBlockHash', (p) => {
      const v = p[0];
      if (v === undefined || v === null) return chain.best.hashHex;
      const n = typeof v === 'number' ? v : typeof v === 'string' && isHex(v) ? parseInt(v, 16) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) throw invalidParams('expected a block number');
      return chain.hashOf(n);
    });
    m.set('chain_getHead', () => chain.best.hashHex);
    m.set('chain_getFinalizedHead', () => chain.best.hashHex);
    m.set('chain_getFinalisedHead', () => chain.best.hashHex);
    m.set('chain_getHeader', (p) => {
      const b = block(p, 0);
      return b ? chain.headerJson(b) : null;
    });
    m.set('chain_getBlock', (p) => {
      const b = block(p, 0);
      return b ? { block: { header: chain.headerJson(b), extrinsics: b.extrinsics }, justifications: null } : null;
    });
    m.set('state_getStorage', (p) => {
      const key = hexArg(p, 0, 'key');
      const v = chain.storageAt(key, at(p, 1));
      return v ? u8aToHex(v) : null;
    });
    m.set('state_getStorageAt', m.get('state_getStorage')!);
    m.set('state_getStorageHash', (p) => {
      const key = hexArg(p, 0, 'key');
      const v = chain.storageAt(key, at(p, 1));
      return v ? blake2AsHex(v, 256) : null;
    });
    m.set('state_getStorageSize', (p) => {
      const key = hexArg(p, 0, 'key');
      const v = chain.storageAt(key, at(p, 1));
      return v ? v.length : null;
    });
    m.set('state_getKeysPaged', (p) => {
      const prefix = p[0] === null || p[0] === undefined ? '0x' : hexArg(p, 0, 'prefix');
      const count = p[1];
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000) throw invalidParams('count must be an integer in 0..1000');
      const start = p[2] === null || p[2] === undefined ? null : hexArg(p, 2, 'startKey');
      return chain.keysPaged(prefix, count, start, at(p, 3));
    });
    m.set('state_getKeys', (p) => {
      const prefix = hexArg(p, 0, 'prefix');
      return chain.keysPaged(prefix, 1000, null, at(p, 1));
    });
    m.set('state_queryStorageAt', (p) => {
      if (!Array.isArray(p[0])) throw invalidParams('expected an array of keys');
      const keys = (p[0] as unknown[]).map((k, i) => hexArg(p[0] as unknown[], i, 'key'));
      const h = at(p, 1);
      const b = h === null ? chain.best : chain.blockByHash(h);
      if (!b) throw new RpcError(4003, `Client error: UnknownBlock: ${h}`);
      return [{ block: b.hashHex, changes: keys.map((k) => [k, ((v) => (v ? u8aToHex(v) : null))(chain.storageAt(k, b.hashHex))]) }];
    });
    m.set('payment_queryInfo', (p) => {
      hexArg(p, 0, 'extrinsic');
      return { weight: { refTime: 100_000_000, proofSize: 0 }, class: 'normal', partialFee: '0' };
    });
    m.set('author_pendingExtrinsics', () => chain.pendingExtrinsics());
    m.set('author_submitExtrinsic', (p) => {
      const bytes = hexToU8a(hexArg(p, 0, 'extrinsic'));
      return chain.submit(bytes).hash;
    });
    m.set('dev_newBlock', (p) => {
      const o = (p[0] ?? {}) as { count?: unknown };
      if (typeof o !== 'object' || o === null) throw invalidParams('expected {count}');
      const count = o.count === undefined ? 1 : o.count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000) throw invalidParams('count must be an integer in 1..10000');
      return chain.newBlocks(count).hashHex;
    });

    // subscriptions
    const subscribe = (conn: Conn, method: string, setup: (id: string, notify: (result: unknown) => void) => () => void): string => {
      if (conn.subs.size >= this.opts.maxSubscriptionsPerConnection) throw new RpcError(-32000, 'Too many subscriptions on the connection');
      const id = String(this.nextSub++);
      const notifyMethod = SUBSCRIPTIONS[method].notify;
      const notify = (result: unknown) => this.send(conn, { jsonrpc: '2.0', method: notifyMethod, params: { subscription: id, result } });
      const unsubscribe = setup(id, notify);
      conn.subs.set(id, { method: notifyMethod, unsubscribe });
      return id;
    };
    const onBlock = (fn: (rec: BlockRecord, changes: Map<string, unknown>) => void) => {
      chain.on('block', fn);
      return () => chain.off('block', fn);
    };
    for (const name of ['chain_subscribeNewHeads', 'chain_subscribeNewHead', 'subscribe_newHead', 'chain_subscribeFinalizedHeads', 'chain_subscribeFinalisedHeads', 'chain_subscribeAllHeads']) {
      m.set(name, (_p, conn) =>
        subscribe(conn, name, (_id, notify) => {
          setImmediate(() => notify(chain.headerJson(chain.best)));
          return onBlock((rec) => notify(chain.headerJson(rec)));
        }),
      );
    }
    m.set('state_subscribeRuntimeVersion', (_p, conn) =>
      subscribe(conn, 'state_subscribeRuntimeVersion', (_id, notify) => {
        setImmediate(() => notify(chain.runtimeVersion()));
        return () => {};
      }),
    );
    m.set('chain_subscribeRuntimeVersion', (_p, conn) =>
      subscribe(conn, 'chain_subscribeRuntimeVersion', (_id, notify) => {
        setImmediate(() => notify(chain.runtimeVersion()));
        return () => {};
      }),
    );
    m.set('state_subscribeStorage', (p, conn) => {
      const keysParam = p[0];
      if (keysParam !== undefined && keysParam !== null && !Array.isArray(keysParam)) throw invalidParams('expected an array of keys');
      const keys = ((keysParam as unknown[] | null) ?? []).map((k, i) => hexArg(keysParam as unknown[], i, 'key'));
      return subscribe(conn, 'state_subscribeStorage', (_id, notify) => {
        const val = (k: string) => ((v) => (v ? u8aToHex(v) : null))(chain.state.getRaw(k));
        if (keys.length === 0) {
          // no keys: every change of every block, as a node does
          return onBlock((rec, changes) => notify({ block: rec.hashHex, changes: [...changes.keys()].map((k) => [k, val(k)]) }));
        }
        setImmediate(() => notify({ block: chain.best.hashHex, changes: keys.map((k) => [k, val(k)]) }));
        return onBlock((rec, changes) => {
          const changed = keys.filter((k) => changes.has(k));
          if (changed.length) notify({ block: rec.hashHex, changes: changed.map((k) => [k, val(k)]) });
        });
      });
    });
    m.set('author_submitAndWatchExtrinsic', (p, conn) => {
      const bytes = hexToU8a(hexArg(p, 0, 'extrinsic'));
      let notifyRef: ((r: unknown) => void) | null = null;
      let subId = '';
      const early: TxStatus[] = [];
      const watcher = (s: TxStatus) => {
        if (!notifyRef) {
          early.push(s);
          return;
        }
        notifyRef(s);
        if (s === 'invalid' || s === 'dropped' || (typeof s === 'object' && 'finalized' in s)) {
          conn.subs.delete(subId);
        }
      };
      const { hash, status } = chain.submit(bytes, watcher);
      subId = subscribe(conn, 'author_submitAndWatchExtrinsic', (_id, notify) => {
        notifyRef = null;
        setImmediate(() => {
          notify(status);
          notifyRef = notify;
          for (const s of early.splice(0)) watcher(s);
        });
        return () => chain.unwatch(hash);
      });
      return subId;
    });
    for (const [unsub, notify] of UNSUBSCRIBE) {
      m.set(unsub, (p, conn) => {
        const id = p[0];
        if (typeof id !== 'string' && typeof id !== 'number') throw invalidParams('expected a subscription id');
        const s = conn.subs.get(String(id));
        if (!s || s.method !== notify) return false;
        s.unsubscribe();
        conn.subs.delete(String(id));
        return true;
      });
    }
    return m;
  }
}

function toRpcError(e: unknown): RpcErrorObj {
  if (e instanceof RpcError) return e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data };
  if (e instanceof TxError) return e.toRpc();
  if (e instanceof SubnetError) {
    if (e.code === 'CHAIN_UNKNOWN_BLOCK') return { code: 4003, message: `Client error: ${e.message}` };
    return { code: -32000, message: e.message, data: e.code };
  }
  return { code: -32603, message: `Internal error: ${e instanceof Error ? e.message : String(e)}` };
}

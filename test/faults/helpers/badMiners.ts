/**
 * Misbehaving "miners" at the socket level, on 127.0.0.1 (raw `net` servers, no ws library on
 * their side), and a cutting proxy in front of a real AxonServer:
 *   silent      accepts the TCP connection and never writes a byte
 *   dribble     completes the WebSocket upgrade, then sends one binary frame one byte every
 *               `byteMs` (the frame never completes within the client's deadline)
 *   slowUpgrade sends the HTTP 101 answer itself one byte every `byteMs`
 *   midFrame    completes the upgrade, sends the first half of a frame, then closes the socket
 *   cutProxy    forwards a real miner's bytes, and in the Nth server frame (N = 3: the answer,
 *               after SERVER_HELLO and the welcome) forwards half the frame and closes both sides
 * Every server tracks its sockets and timers and releases them on close().
 */
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { PROTOCOL_VERSION } from '../../../shared/protocol/session';

export interface BadServer {
  kind: string;
  port: number;
  url: string;
  /** connections accepted */
  accepted: number;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function upgradeAnswer(head: string): string | null {
  const m = head.match(/sec-websocket-key:\s*(\S+)/i);
  if (!m) return null;
  const accept = createHash('sha1').update(m[1] + GUID).digest('base64');
  // echo the first subprotocol the client offers (the ws client refuses an upgrade without it)
  const proto = head.match(/sec-websocket-protocol:\s*([^,\r\n]+)/i);
  const protoLine = proto ? `Sec-WebSocket-Protocol: ${proto[1].trim()}\r\n` : '';
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${protoLine}\r\n`;
}

/** an unmasked binary frame with `len` payload bytes (server -> client) */
function frame(len: number): Buffer {
  const body = Buffer.alloc(len, 0x5a);
  body[0] = PROTOCOL_VERSION;
  body[1] = 2; // SERVER_HELLO kind: looks like the start of a handshake
  const head = len < 126 ? Buffer.from([0x82, len]) : Buffer.from([0x82, 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, body]);
}

async function listen(kind: string, onSocket: (s: Socket, timers: Set<NodeJS.Timeout>) => void, port0 = 0): Promise<BadServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const srv: Server = createServer((s) => {
    out.accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s, timers);
  });
  await new Promise<void>((r) => srv.listen(port0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const out: BadServer = {
    kind,
    port,
    url: `ws://127.0.0.1:${port}`,
    accepted: 0,
    close: async () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
  return out;
}

/** reads the HTTP upgrade request, then calls `then` with the 101 answer */
function onUpgrade(s: Socket, then: (answer: string) => void): void {
  let head = '';
  const on = (d: Buffer) => {
    head += d.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    s.off('data', on);
    const a = upgradeAnswer(head);
    if (a) then(a);
    else s.destroy();
  };
  s.on('data', on);
}

function dribble(s: Socket, bytes: Buffer, byteMs: number, timers: Set<NodeJS.Timeout>): void {
  let i = 0;
  const t = setInterval(() => {
    if (i >= bytes.length || s.destroyed) {
      clearInterval(t);
      timers.delete(t);
      return;
    }
    s.write(bytes.subarray(i, i + 1));
    i++;
  }, byteMs);
  timers.add(t);
  s.on('close', () => {
    clearInterval(t);
    timers.delete(t);
  });
}

export function silentServer(port = 0): Promise<BadServer> {
  return listen('silent', (s) => s.resume(), port);
}

export function dribbleServer(byteMs = 50, port = 0): Promise<BadServer> {
  return listen(
    'dribble',
    (s, timers) =>
      onUpgrade(s, (answer) => {
        s.write(answer);
        dribble(s, frame(300), byteMs, timers);
      }),
    port,
  );
}

export function slowUpgradeServer(byteMs = 50): Promise<BadServer> {
  return listen('slowUpgrade', (s, timers) => onUpgrade(s, (answer) => dribble(s, Buffer.from(answer, 'latin1'), byteMs, timers)));
}

export function midFrameServer(port = 0): Promise<BadServer> {
  return listen(
    'midFrame',
    (s) =>
      onUpgrade(s, (answer) => {
        s.write(answer);
        const f = frame(200);
        s.write(f.subarray(0, 60), () => s.destroy());
      }),
    port,
  );
}

/**
 * A proxy to `upstreamPort` that parses the upstream's (unmasked) WebSocket frames and, in frame
 * number `cutAt` (1-based), forwards only half of it and then destroys both sockets.
 */
export function cutProxy(upstreamPort: number, cutAt = 3): Promise<BadServer & { cuts: number }> {
  let cuts = 0;
  const p = listen('cutProxy', (client) => {
    const up = createConnection({ host: '127.0.0.1', port: upstreamPort });
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.on('data', (d) => up.write(d));
    let buf = Buffer.alloc(0);
    let headerDone = false;
    let frames = 0;
    up.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!headerDone) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        client.write(buf.subarray(0, i + 4));
        buf = buf.subarray(i + 4);
        headerDone = true;
      }
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (frames + 1 === cutAt) {
          // the frame to cut: forward its header and half its payload, then close
          const half = off + Math.max(1, Math.floor(len / 2));
          if (buf.length < half) return;
          frames++;
          cuts++;
          client.write(buf.subarray(0, half), () => {
            client.destroy();
            up.destroy();
          });
          buf = Buffer.alloc(0);
          return;
        }
        if (buf.length < off + len) return;
        frames++;
        client.write(buf.subarray(0, off + len));
        buf = buf.subarray(off + len);
      }
    });
  });
  return p.then((s) => Object.assign(s, { get cuts() { return cuts; } }));
}

/**
 * A thin WebSocket relay in front of chopsticks. chopsticks' own close() leaves upgraded
 * WebSocket connections open (the chain keeps answering them) and it silently moves to port+1..+9
 * when the requested port is busy. The relay listens on exactly the requested host:port (claimed
 * before the runtime starts, so a busy port fails at once), holds WebSocket handshakes until the
 * runtime is up, forwards frames both ways, and its close() terminates every socket.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SubnetError } from '../shared/errors';

export interface Relay {
  port: number;
  /** where connections go; handshakes that arrive earlier wait for it */
  setUpstream(url: string): void;
  close(): Promise<void>;
}

export async function startRelay(host: string, port: number): Promise<Relay> {
  let upstreamUrl: string | null = null;
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('WebSocket only\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
  const waiting: { req: IncomingMessage; socket: Duplex; head: Buffer }[] = [];
  const rawSockets = new Set<Duplex>();
  const sockets = new Set<WebSocket>();
  http.on('connection', (s) => {
    rawSockets.add(s);
    s.on('close', () => rawSockets.delete(s));
  });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  http.on('upgrade', (req, socket, head) => {
    if (upstreamUrl) upgrade(req, socket, head);
    else waiting.push({ req, socket, head });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: string }) => {
      http.close();
      reject(err.code === 'EADDRINUSE' ? new SubnetError('CHAIN_PORT_IN_USE', `port ${port} on ${host} is already in use`, { host, port }) : err);
    };
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  wss.on('connection', (client: WebSocket) => {
    const upstream = new WebSocket(upstreamUrl!, { maxPayload: 100 * 1024 * 1024 });
    sockets.add(client);
    sockets.add(upstream);
    const queue: { data: RawData; binary: boolean }[] = [];
    client.on('message', (data, binary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else queue.push({ data, binary });
    });
    upstream.on('open', () => {
      for (const q of queue.splice(0)) upstream.send(q.data, { binary: q.binary });
    });
    upstream.on('message', (data, binary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
    });
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.terminate();
      upstream.terminate();
    };
    client.on('close', end);
    client.on('error', end);
    upstream.on('close', end);
    upstream.on('error', end);
  });
  const addr = http.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: actual,
    setUpstream(url: string) {
      upstreamUrl = url;
      for (const w of waiting.splice(0)) upgrade(w.req, w.socket, w.head);
    },
    async close() {
      for (const w of waiting.splice(0)) w.socket.destroy();
      for (const s of sockets) s.terminate();
      sockets.clear();
      for (const s of rawSockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

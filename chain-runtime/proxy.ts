/**
 * A thin WebSocket relay in front of chopsticks. chopsticks' own close() leaves upgraded
 * WebSocket connections open (the chain keeps answering them) and it silently moves to port+1..+9
 * when the requested port is busy. The relay listens on exactly the requested host:port, forwards
 * frames both ways, and its close() terminates every socket.
 */
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SubnetError } from '../shared/errors';

export interface Relay {
  port: number;
  /** where connections go; until set, clients are closed with 1013 (try again later) */
  setUpstream(url: string): void;
  close(): Promise<void>;
}

export async function startRelay(host: string, port: number): Promise<Relay> {
  let upstreamUrl: string | null = null;
  const wss = new WebSocketServer({ host, port, maxPayload: 100 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: string }) => {
      wss.close();
      reject(
        err.code === 'EADDRINUSE'
          ? new SubnetError('CHAIN_PORT_IN_USE', `port ${port} on ${host} is already in use`, { host, port })
          : err,
      );
    };
    wss.once('error', onError);
    wss.once('listening', () => {
      wss.off('error', onError);
      resolve();
    });
  });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (client) => {
    if (!upstreamUrl) {
      client.close(1013, 'runtime still starting');
      return;
    }
    const upstream = new WebSocket(upstreamUrl, { maxPayload: 100 * 1024 * 1024 });
    sockets.add(client);
    sockets.add(upstream);
    const queue: RawData[] = [];
    const forwardUp = (data: RawData, isBinary: boolean) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else queue.push(data);
    };
    client.on('message', forwardUp);
    upstream.on('open', () => {
      for (const d of queue.splice(0)) upstream.send(d, { binary: false });
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
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
  const addr = wss.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: actual,
    setUpstream(url: string) {
      upstreamUrl = url;
    },
    async close() {
      for (const s of sockets) s.terminate();
      sockets.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

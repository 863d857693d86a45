import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Sends a binary message, coalescing every message sent in the same tick into one write
 * (cork now, uncork on the next tick): with many requests in flight this turns N write
 * syscalls into one. Uses ws's underlying socket (`_socket`, stable across ws 8).
 */
export function sendCorked(ws: WebSocket, data: Uint8Array): void {
  const s = (ws as unknown as { _socket?: Socket })._socket;
  if (s && s.writableCorked === 0 && !s.destroyed) {
    s.cork();
    process.nextTick(uncork, s);
  }
  ws.send(data, { binary: true });
}

function uncork(s: Socket): void {
  while (s.writableCorked > 0) s.uncork();
}

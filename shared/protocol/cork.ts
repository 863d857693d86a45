import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Sends a binary message, coalescing every message sent in the same event-loop phase into one
 * write (cork now, uncork from setImmediate): with many requests in flight this turns N write
 * syscalls into one. setImmediate rather than nextTick because onnxruntime-node runs each
 * inference in its own setImmediate callback, and Node drains nextTicks between those: an
 * immediate queued now runs after every inference already queued, so their answers leave in
 * one writev. Uses ws's underlying socket (`_socket`, stable across ws 8).
 */
export function sendCorked(ws: WebSocket, data: Uint8Array): void {
  const s = (ws as unknown as { _socket?: Socket })._socket;
  if (s && s.writableCorked === 0 && !s.destroyed) {
    s.cork();
    setImmediate(uncork, s);
  }
  ws.send(data, { binary: true });
}

function uncork(s: Socket): void {
  while (s.writableCorked > 0) s.uncork();
}

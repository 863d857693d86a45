/**
 * MinerMetrics over prom-client with an HTTP /metrics endpoint. Only the CLI (composition root)
 * imports this file.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as prom from 'prom-client';
import type { MinerMetrics } from './interface';

export class PromMinerMetrics implements MinerMetrics {
  readonly registry = new prom.Registry();
  private readonly requests: prom.Counter<'status'>;
  private readonly latency: prom.Histogram<'status'>;
  private readonly queue: prom.Gauge;
  private readonly model: prom.Histogram;
  private readonly conns: prom.Gauge;
  private readonly handshakes: prom.Counter<'result'>;
  private server?: Server;

  constructor() {
    const registers = [this.registry];
    prom.collectDefaultMetrics({ register: this.registry, prefix: 'subnet_miner_' });
    this.requests = new prom.Counter({ name: 'subnet_miner_requests_total', help: 'requests answered, by status', labelNames: ['status'], registers });
    this.latency = new prom.Histogram({
      name: 'subnet_miner_request_seconds',
      help: 'time from receipt to answer',
      labelNames: ['status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queue = new prom.Gauge({ name: 'subnet_miner_queue_depth', help: 'requests waiting for a worker', registers });
    this.model = new prom.Histogram({ name: 'subnet_miner_model_seconds', help: 'forward (model) time', buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers });
    this.conns = new prom.Gauge({ name: 'subnet_miner_connections', help: 'open connections', registers });
    this.handshakes = new prom.Counter({ name: 'subnet_miner_handshakes_total', help: 'handshake outcomes', labelNames: ['result'], registers });
  }

  /** labelled children per status, bound once: an answer then costs no label lookup */
  private readonly byStatus = new Map<string, { count: prom.Counter.Internal; latency: prom.Histogram.Internal<'status'> }>();

  request(status: string, seconds: number): void {
    let c = this.byStatus.get(status);
    if (!c) this.byStatus.set(status, (c = { count: this.requests.labels(status), latency: this.latency.labels(status) }));
    c.count.inc();
    c.latency.observe(seconds);
  }
  queueDepth(n: number): void {
    this.queue.set(n);
  }
  modelSeconds(seconds: number): void {
    this.model.observe(seconds);
  }
  connections(n: number): void {
    this.conns.set(n);
  }
  handshake(result: string): void {
    this.handshakes.inc({ result });
  }

  /** Serves GET /metrics on host:port; resolves with the bound port. */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** PromMinerMetrics: what `subnet miner --metrics.port P` serves, read back over HTTP on loopback. */
import { PromMinerMetrics } from '../../miner/promMetrics';

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

/** the value of one sample line, e.g. metric('x_total', 'status="ok"') */
function sample(text: string, name: string, labels?: string): number | undefined {
  const key = labels ? `${name}{${labels}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

describe('PromMinerMetrics', () => {
  let m: PromMinerMetrics;
  let port: number;
  beforeAll(async () => {
    m = new PromMinerMetrics();
    port = await m.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await m.close();
  });

  it('counts answers by status and keeps their latency per status', async () => {
    for (let i = 0; i < 3; i++) m.request('ok', 0.0004);
    m.request('ok', 0.02);
    m.request('timeout', 2);
    m.request('invalid_input', 0.0001);
    const { status, body, type } = await get(port, '/metrics');
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    expect(sample(body, 'subnet_miner_requests_total', 'status="ok"')).toBe(4);
    expect(sample(body, 'subnet_miner_requests_total', 'status="timeout"')).toBe(1);
    expect(sample(body, 'subnet_miner_requests_total', 'status="invalid_input"')).toBe(1);
    expect(sample(body, 'subnet_miner_request_seconds_count', 'status="ok"')).toBe(4);
    expect(sample(body, 'subnet_miner_request_seconds_bucket', 'le="0.0005",status="ok"')).toBe(3);
    expect(sample(body, 'subnet_miner_request_seconds_bucket', 'le="0.025",status="ok"')).toBe(4);
    expect(sample(body, 'subnet_miner_request_seconds_sum', 'status="timeout"')).toBe(2);
    // a second round adds to the same labelled series
    m.request('ok', 0.001);
    expect(sample((await get(port, '/metrics')).body, 'subnet_miner_requests_total', 'status="ok"')).toBe(5);
  });

  it('reports queue depth, model time, connections and handshakes', async () => {
    m.queueDepth(7);
    m.modelSeconds(0.0003);
    m.modelSeconds(0.002);
    m.connections(3);
    m.handshake('ok');
    m.handshake('ok');
    m.handshake('blacklisted');
    const { body } = await get(port, '/metrics');
    expect(sample(body, 'subnet_miner_queue_depth')).toBe(7);
    expect(sample(body, 'subnet_miner_model_seconds_count')).toBe(2);
    expect(sample(body, 'subnet_miner_model_seconds_bucket', 'le="0.0005"')).toBe(1);
    expect(sample(body, 'subnet_miner_connections')).toBe(3);
    expect(sample(body, 'subnet_miner_handshakes_total', 'result="ok"')).toBe(2);
    expect(sample(body, 'subnet_miner_handshakes_total', 'result="blacklisted"')).toBe(1);
    // default process and Node metrics are there too, under the miner prefix (one "process_", not two)
    expect(body).toMatch(/^subnet_miner_process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^subnet_miner_nodejs_heap_size_used_bytes \d+/m);
    expect(body).not.toMatch(/process_process_/);
  });

  it('answers 404 for any other path', async () => {
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, '/metrics/x')).status).toBe(404);
  });
});

import { ClientPoolAdapter, endpointOf, mapWireResult } from '../../validator';
import type { QueryResult as WireResult, Target } from '../../validator/client/interface';
import { float32Tensor } from '../../shared/scoring';

const target: Target = { endpoint: 'ws://10.0.0.1:1', hotkey: '5M', uid: 1 };
const proof = { v: 1 as const, miner: '5M', validator: '5V', session: 'aa', requestDigest: 'bb', root: 'cc', count: 1, index: 0, path: [], ts: 1, signature: 'dd' };
const outputs = { y: float32Tensor([1, 2]) };
const wire = (over: Partial<WireResult>): WireResult => ({ target, status: 'ok', code: 0, latencyMs: 12, proof: null, ...over });

describe('wire result -> validator result', () => {
  const rows: [string, Partial<WireResult>, string, string | undefined][] = [
    ['ok with outputs and proof', { outputs, proof }, 'ok', undefined],
    ['ok with outputs, proof missing (kept, noted)', { outputs, proofError: 'proof did not arrive' }, 'ok', 'no_proof'],
    ['ok without outputs', {}, 'invalid', 'no_outputs'],
    ['timeout', { status: 'timeout', code: null, error: { code: 'timeout', message: 'timed out', context: {} } }, 'timeout', 'timeout'],
    ['aborted by the caller', { status: 'aborted', code: null }, 'timeout', 'aborted'],
    ['unreachable', { status: 'unreachable', code: null, error: { code: 'unreachable', message: 'ECONNREFUSED', context: {} } }, 'error', 'unreachable'],
    ['miner status invalid_input', { status: 'invalid_input', code: 3, error: { code: 'invalid_input', message: 'bad shape', context: {} } }, 'error', 'invalid_input'],
    ['miner status without an error object', { status: 'overloaded', code: 5 }, 'error', 'overloaded'],
  ];
  it.each(rows)('%s', (_n, over, status, code) => {
    const r = mapWireResult(wire(over), { requireProof: false });
    expect(r.status).toBe(status);
    expect(r.error?.code).toBe(code);
    expect(r.latencyMs).toBe(12);
  });
  it('the signed proof is kept as bytes (JSON)', () => {
    const r = mapWireResult(wire({ outputs, proof }), { requireProof: false });
    expect(JSON.parse(Buffer.from(r.proof!).toString())).toEqual(proof);
  });
  it('--require-proof: an answer without a proof is invalid', () => {
    expect(mapWireResult(wire({ outputs }), { requireProof: true }).status).toBe('invalid');
    expect(mapWireResult(wire({ outputs, proof }), { requireProof: true }).status).toBe('ok');
  });
  it('endpoints: IPv4 and bracketed IPv6', () => {
    expect(endpointOf('10.0.0.1', 8091)).toBe('ws://10.0.0.1:8091');
    expect(endpointOf('::1', 8091)).toBe('ws://[::1]:8091');
  });
  it('the adapter passes targets and the deadline through and keeps results aligned', async () => {
    const seen: { targets: Target[]; timeoutMs?: number } = { targets: [] };
    const pool = {
      async query(targets: readonly Target[], _req: unknown, opts: { timeoutMs?: number }) {
        seen.targets = [...targets];
        seen.timeoutMs = opts.timeoutMs;
        return targets.map((t, i) => wire({ target: t, status: i === 1 ? 'timeout' : 'ok', outputs: i === 1 ? undefined : outputs }));
      },
    };
    const a = new ClientPoolAdapter(pool);
    const res = await a.query(
      [
        { uid: 3, hotkey: 'h3', host: '10.0.0.3', port: 1 },
        { uid: 5, hotkey: 'h5', host: '10.0.0.5', port: 2 },
      ],
      { synapse: 'infer', tensors: {} },
      { timeoutMs: 777 },
    );
    expect(seen.targets).toEqual([
      { endpoint: 'ws://10.0.0.3:1', hotkey: 'h3', uid: 3 },
      { endpoint: 'ws://10.0.0.5:2', hotkey: 'h5', uid: 5 },
    ]);
    expect(seen.timeoutMs).toBe(777);
    expect(res.map((r) => r.status)).toEqual(['ok', 'timeout']);
  });
});

import { genesisSpec, minerArgs, subnetHyperparameters, validatorArgs } from '../../devnet/commands';
import { defaultOptions } from '../../devnet/scenario';
import { isEpochBlock } from '../../devnet/devnet';
import { garbageRng, scramble } from '../../devnet/handlers/garbage';
import { slowDelayMs, forward as slowForward } from '../../devnet/handlers/slow';
import { validateGenesis } from '../../chain-mock/genesis';
import { float32Tensor } from '../../shared/scoring/tensor';

describe('devnet child command lines', () => {
  test('miner: wallet, loopback axon, chain, model, optional handler', () => {
    const a = minerArgs('/x/cli.js', 'ws://127.0.0.1:9', 1, { name: 'miner-2', kind: 'slow', walletsDir: '/r/wallets', port: 4321, model: '/r/models/reference.onnx', handler: '/h/slow.js' });
    expect(a[0]).toBe('/x/cli.js');
    expect(a[1]).toBe('miner');
    const opt = (k: string) => a[a.indexOf(k) + 1];
    expect(opt('--netuid')).toBe('1');
    expect(opt('--wallet.name')).toBe('miner-2');
    expect(opt('--wallet.path')).toBe('/r/wallets');
    expect(opt('--axon.port')).toBe('4321');
    expect(opt('--axon.external_ip')).toBe('127.0.0.1');
    expect(opt('--chain')).toBe('ws://127.0.0.1:9');
    expect(opt('--model')).toBe('/r/models/reference.onnx');
    expect(opt('--handler')).toBe('/h/slow.js');
    expect(minerArgs('c', 'u', 1, { name: 'm', kind: 'honest', walletsDir: 'w', port: 1, model: 'm' })).not.toContain('--handler');
  });
  test('validator: scorer, sample size, timeout, alpha, db from the options', () => {
    const o = defaultOptions();
    const a = validatorArgs('/x/cli.js', 'ws://c', o, { name: 'validator-1', walletsDir: '/w', db: '/r/v.db', model: '/m.onnx', scorer: 'cosine' });
    const opt = (k: string) => a[a.indexOf(k) + 1];
    expect(a[1]).toBe('validator');
    expect(opt('--db')).toBe('/r/v.db');
    expect(opt('--scorer')).toBe('cosine');
    expect(opt('--timeout')).toBe(String(o.validator.timeout_ms));
    expect(opt('--alpha')).toBe(String(o.validator.alpha));
    expect(opt('--sample-size')).toBe(String(o.validator.sample_size));
  });
});

describe('devnet genesis', () => {
  test('a fast subnet: tempo, rate limit, commit-reveal off, registration limits raised', () => {
    const o = defaultOptions();
    o.subnet.kappa = 40000;
    const h = subnetHyperparameters(o);
    expect(h).toMatchObject({ Tempo: o.subnet.tempo, WeightsSetRateLimit: o.subnet.weights_rate_limit, CommitRevealWeightsEnabled: false, Kappa: 40000 });
    expect(h.MaxRegistrationsPerBlock as number).toBeGreaterThanOrEqual(64);
  });
  test('the spec passes the local chain\'s own genesis validation', () => {
    const g = genesisSpec(
      defaultOptions(),
      { coldkey: '//Alice', hotkey: '//Alice//hot' },
      [
        { coldkey: '//Bob', hotkey: '//Bob//hot', stake: '1000000000' },
        { coldkey: '//Charlie', hotkey: '//Charlie//hot', axon: { ip: '127.0.0.1', port: 9000 } },
      ],
      10n ** 15n,
    );
    expect(() => validateGenesis(g)).not.toThrow();
    const s = (g.subnets as { owner: string; neurons: unknown[] }[])[0];
    expect(s.owner).toBe('//Alice');
    expect(s.neurons).toHaveLength(2);
    expect((g.accounts as { account: string }[]).map((a) => a.account)).toEqual(['//Alice', '//Bob', '//Charlie']);
  });
});

describe('epoch schedule', () => {
  test('subtensor: (block + netuid + 1) mod (tempo + 1) == tempo', () => {
    const blocks = Array.from({ length: 40 }, (_, b) => b).filter((b) => isEpochBlock(b, 10, 1));
    expect(blocks).toEqual([8, 19, 30]);
    expect(isEpochBlock(5, 0, 1)).toBe(false);
  });
});

describe('devnet miner handlers', () => {
  test('garbage keeps names, dtypes and shapes and scrambles values', () => {
    const t = float32Tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const g = scramble(t, garbageRng(5));
    expect(g.shape).toEqual([2, 3]);
    expect(g.dtype).toBe('float32');
    expect(g.data.byteLength).toBe(t.data.byteLength);
    expect(Buffer.from(g.data).equals(Buffer.from(t.data))).toBe(false);
    // seeded: the same seed gives the same garbage
    expect(Buffer.from(scramble(t, garbageRng(5)).data).equals(Buffer.from(g.data))).toBe(true);
  });
  test('slow sleeps DEVNET_SLOW_MS, and stops waiting when the request is aborted', async () => {
    expect(slowDelayMs({ DEVNET_SLOW_MS: '1234' })).toBe(1234);
    expect(slowDelayMs({})).toBe(3000);
    const ac = new AbortController();
    const t0 = Date.now();
    const p = slowForward({ id: 1, synapse: 'infer', tensors: {}, meta: {} } as never, { hotkey: 'x', signal: ac.signal, deadline: 0, log: undefined as never });
    setTimeout(() => ac.abort(), 50);
    await expect(p).resolves.toEqual({});
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('the colluding scorer', () => {
  test('scores only the cheater (DEVNET_CHEATER_UID) 1, everyone else 0', () => {
    const { colludingScorer, cheaterUid } = require('../../devnet/scorers/collude') as typeof import('../../devnet/scorers/collude');
    const { validateScorer } = require('../../shared/scoring/loader') as typeof import('../../shared/scoring/loader');
    expect(() => validateScorer(require('../../devnet/scorers/collude'), 'collude')).not.toThrow();
    const prev = process.env.DEVNET_CHEATER_UID;
    process.env.DEVNET_CHEATER_UID = '4';
    try {
      expect(cheaterUid()).toBe(4);
      const items = [3, 4, 5].map((uid) => ({ uid, response: {}, timing: { latencyMs: 1, timeoutMs: 10 } }));
      expect(colludingScorer.scoreBatch!({} as never, {}, items)).toEqual([0, 1, 0]);
    } finally {
      if (prev === undefined) delete process.env.DEVNET_CHEATER_UID;
      else process.env.DEVNET_CHEATER_UID = prev;
    }
  });
});

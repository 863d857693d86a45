import type { Command } from 'commander';
import { CliError } from '../cliError';

interface QueryCliOptions {
  input?: string;
  random?: boolean;
  seed: string;
  dev?: string | boolean;
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
  hotkey?: string;
  timeout: string;
  synapse: string;
  show: string;
}

/**
 * `subnet query ws://HOST:PORT [--input FILE.json | --random] [--dev [NAME] | --wallet.*]
 *  [--hotkey SS58] [--timeout MS] [--synapse NAME]`: the miner's curl. Prints ONE JSON object
 * with a `status` field; exit 0 when the status is "ok", 1 otherwise.
 *
 * --input FILE.json: {"tensors": {"x": {"dtype": "float32", "shape": [1, 32], "data": [..]}}, "meta": {}}
 * (or the tensors map alone). --random: random tensors shaped by the miner's advertised inputs.
 */
export function register(program: Command): void {
  program
    .command('query')
    .description("send one authenticated request to a miner and print the answer as one JSON object (the miner's curl)")
    .argument('<endpoint>', 'ws://HOST:PORT')
    .option('--input <file.json>', 'request tensors as JSON (see docs/protocol.md)')
    .option('--random', "random inputs shaped like the miner's model inputs")
    .option('--seed <n>', 'seed of --random', '1')
    .option('--dev [name]', 'sign with a well-known development key (//Alice by default): local only')
    .option('--wallet.name <name>', 'wallet name')
    .option('--wallet.hotkey <name>', 'hotkey name')
    .option('--wallet.path <dir>', 'wallets folder')
    .option('--hotkey <ss58>', "the miner's expected hotkey (a different one is an error)")
    .option('--timeout <ms>', 'deadline, ms', '12000')
    .option('--synapse <name>', 'synapse (task) name', 'infer')
    .option('--show <n>', 'output values shown per tensor', '8')
    .action(async (endpoint: string, o: QueryCliOptions) => {
      if (!/^wss?:\/\/[^/]+/.test(endpoint)) throw new CliError(`endpoint must look like ws://HOST:PORT, got "${endpoint}"`, 2);
      if (!!o.input === !!o.random) throw new CliError('give exactly one of --input FILE.json or --random', 2);
      const timeoutMs = Number(o.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a positive number, got "${o.timeout}"`, 2);
      const show = Number(o.show);
      if (!Number.isInteger(show) || show < 0) throw new CliError(`--show must be a non-negative integer, got "${o.show}"`, 2);
      const seed = Number(o.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${o.seed}"`, 2);
      const devName = o.dev === undefined ? undefined : o.dev === true ? 'alice' : String(o.dev);
      if (devName !== undefined && (o['wallet.name'] || o['wallet.hotkey'])) throw new CliError('give either --dev or --wallet.*, not both', 2);

      const [keys, protocol, clientMod, inputMod] = await Promise.all([
        import('../../shared/keys'),
        import('../../shared/protocol'),
        import('../../validator/client'),
        import('../../validator/client/inputs'),
      ]);
      let fileInput: ReturnType<typeof inputMod.parseInputJson> | undefined;
      if (o.input) {
        const { readFileSync } = await import('node:fs');
        let text: string;
        try {
          text = readFileSync(o.input, 'utf8');
        } catch (err) {
          throw new CliError(`cannot read ${o.input}: ${(err as Error).message}`, 2);
        }
        try {
          fileInput = inputMod.parseInputJson(JSON.parse(text));
        } catch (err) {
          throw new CliError(`${o.input}: ${(err as Error).message}`, 2);
        }
      }
      await Promise.all([keys.keysReady(), protocol.protocolReady()]);
      const keypair = devName !== undefined ? keys.devKeypair(devName) : await keys.loadHotkey(keys.resolveWalletLocation({ name: o['wallet.name'], hotkey: o['wallet.hotkey'], path: o['wallet.path'] }));
      const target = { endpoint, hotkey: o.hotkey };
      const conn = new clientMod.MinerConnection(target, keypair, { timeoutMs });
      const t0 = performance.now();
      const deadline = AbortSignal.timeout(timeoutMs);
      let out: Record<string, unknown>;
      try {
        await conn.connect(deadline);
        const welcome = conn.welcome;
        const req = fileInput ?? { tensors: inputMod.randomInputs(welcome?.inputs ?? [], seed), meta: {} };
        const r = await conn.request({ synapse: o.synapse, tensors: req.tensors, meta: req.meta }, { timeoutMs, t0 });
        let proofOk: boolean | null = null;
        let proofReason: string | undefined = r.proofError;
        if (r.proof && r.code !== null) {
          const id = r.requestId ?? 1;
          const v = protocol.verifyProof(
            r.proof,
            { id, status: r.code, body: r.outputs ? { tensors: r.outputs, meta: r.meta ?? {} } : undefined, error: r.error },
            { id, synapse: o.synapse, body: { tensors: req.tensors, meta: req.meta ?? {} } },
          );
          proofOk = v.ok;
          if (!v.ok) proofReason = v.reason;
        }
        out = {
          status: r.status,
          code: r.code,
          latency_ms: Math.round(r.latencyMs * 1000) / 1000,
          endpoint,
          miner_hotkey: r.hotkey ?? conn.hotkey ?? null,
          validator_hotkey: keypair.address,
          synapse: o.synapse,
          inputs: inputMod.summarize(req.tensors, show),
          outputs: r.outputs ? inputMod.summarize(r.outputs, show) : undefined,
          meta: r.meta,
          error: r.error,
          proof_ok: proofOk,
          proof_error: proofReason,
          proof: r.proof,
        };
      } catch (err) {
        const e = err as { code?: string; message?: string; context?: unknown };
        const status = e.code === 'unreachable' ? 'unreachable' : e.code === 'timeout' ? 'timeout' : 'error';
        out = { status, code: null, latency_ms: Math.round((performance.now() - t0) * 1000) / 1000, endpoint, error: { code: e.code ?? 'error', message: e.message ?? String(err), context: e.context ?? {} } };
      } finally {
        await conn.close();
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
      if (out.status !== 'ok') process.exitCode = 1;
    });
}

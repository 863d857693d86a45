import type { Command } from 'commander';
import { CliError } from '../cliError';

/**
 * `subnet model create|info|run`: the project's generated models (never downloaded).
 *   create --kind reference|noisy|quantised [--seed S] [--noise X] [--bits K] [--reference-seed R] --out FILE.onnx
 *   info FILE.onnx            input/output specs and our generator's metadata
 *   run FILE.onnx [--seed S] [--batch B]   runs the model on a seeded input, prints the output
 */

function int(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const x = Number(v);
  if (String(v).trim() === '' || !Number.isInteger(x) || x < min || x > max) throw new CliError(`${name} must be an integer in ${min}..${max}, got "${v}"`, 2);
  return x;
}

function num(name: string, v: string, min: number, max: number): number {
  const x = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(x) || x < min || x > max) throw new CliError(`${name} must be a number in [${min}, ${max}], got "${v}"`, 2);
  return x;
}

export function register(program: Command): void {
  const model = program.command('model').description('generate and inspect ONNX models (reference, noisy and quantised variants of the default MLP)');

  model
    .command('create')
    .description('write a generated model: the same options always give the same bytes')
    .requiredOption('--out <file>', 'output .onnx file')
    .option('--kind <kind>', 'reference | noisy | quantised', 'reference')
    .option('--seed <n>', 'noise seed (noisy)', '1')
    .option('--noise <sigma>', 'noise standard deviation added to every weight (noisy)', '0.05')
    .option('--bits <k>', 'quantisation bits, 2..16 (quantised)', '4')
    .option('--reference-seed <n>', 'seed of the reference weights every variant starts from', '42')
    .option('--overwrite', 'replace an existing file')
    .option('--json', 'print one JSON object')
    .action(async (o: { out: string; kind: string; seed: string; noise: string; bits: string; referenceSeed: string; overwrite?: boolean; json?: boolean }) => {
      const { MODEL_KINDS, createModelBytes } = await import('../../shared/model/generate');
      if (!(MODEL_KINDS as readonly string[]).includes(o.kind)) throw new CliError(`--kind must be one of ${MODEL_KINDS.join(', ')}, got "${o.kind}"`, 2);
      const opts = {
        kind: o.kind as (typeof MODEL_KINDS)[number],
        seed: int('--seed', o.seed, 0),
        noise: num('--noise', o.noise, 0, 100),
        bits: int('--bits', o.bits, 2, 16),
        referenceSeed: int('--reference-seed', o.referenceSeed, 0),
      };
      const bytes = createModelBytes(opts);
      const { writeFileSync, mkdirSync } = await import('node:fs');
      const { dirname, resolve } = await import('node:path');
      const { createHash } = await import('node:crypto');
      const out = resolve(o.out);
      mkdirSync(dirname(out), { recursive: true });
      try {
        writeFileSync(out, bytes, { flag: o.overwrite ? 'w' : 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${out} exists (use --overwrite to replace it)`, 1);
        throw new CliError(`cannot write ${out}: ${(err as Error).message}`, 1);
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const info = { path: out, ...opts, bytes: bytes.byteLength, sha256 };
      if (o.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else process.stdout.write(`${out}  ${opts.kind}  ${bytes.byteLength} bytes  sha256 ${sha256}\n`);
    });

  model
    .command('info')
    .description("print a model's inputs, outputs and metadata")
    .argument('<file>', '.onnx file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, o: { json?: boolean }) => {
      const { OnnxModelRunner, readModelMetadata } = await import('../../shared/model');
      const { readFileSync } = await import('node:fs');
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 1);
      }
      const runner = await OnnxModelRunner.create(file);
      const info = { path: file, bytes: bytes.byteLength, inputs: runner.inputs, outputs: runner.outputs, metadata: readModelMetadata(bytes) };
      await runner.close();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
        return;
      }
      const shape = (s: (number | null)[]) => `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`;
      const lines = [`${file} (${bytes.byteLength} bytes)`];
      for (const i of info.inputs) lines.push(`  input  ${i.name} ${i.dtype} ${shape(i.shape)}`);
      for (const i of info.outputs) lines.push(`  output ${i.name} ${i.dtype} ${shape(i.shape)}`);
      for (const [k, v] of Object.entries(info.metadata)) lines.push(`  ${k} = ${v}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  model
    .command('run')
    .description('run a model (default: the generated reference) on a seeded input and print the outputs as JSON')
    .argument('[file]', '.onnx file (default: the in-memory reference model)')
    .option('--seed <n>', 'input seed (generateInput)', '1')
    .option('--batch <n>', 'rows', '1')
    .action(async (file: string | undefined, o: { seed: string; batch: string }) => {
      const { OnnxModelRunner, generateInput, referenceModelBytes, toTypedArray } = await import('../../shared/model');
      const seed = int('--seed', o.seed, 0);
      const batch = int('--batch', o.batch, 1, 4096);
      const runner = await OnnxModelRunner.create(file ?? referenceModelBytes(), { maxBatch: 4096 });
      try {
        const spec = runner.inputs[0];
        if (runner.inputs.length !== 1 || spec.dtype !== 'float32' || spec.shape.length !== 2 || spec.shape[1] === null) {
          throw new CliError('model run supports models with one float32 [batch, n] input', 2);
        }
        const out = await runner.run({ [spec.name]: generateInput(seed, batch, spec.shape[1]) });
        const json: Record<string, unknown> = {};
        for (const [name, t] of Object.entries(out)) {
          const a = toTypedArray(t);
          json[name] = { dtype: t.dtype, shape: t.shape, values: Array.from(a as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v)) };
        }
        process.stdout.write(`${JSON.stringify({ seed, batch, outputs: json })}\n`);
      } finally {
        await runner.close();
      }
    });
}

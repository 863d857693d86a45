/** @jest-environment ./shared/model/testing/ortJestEnvironment.js */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { OnnxModelRunner, createModelBytes, generateInputs, referenceModelBytes } from '../../shared/model';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'subnet-e2e-model-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('subnet model create writes each variant; the file loads and runs; same options → same bytes', async () => {
  for (const [kind, extra] of [
    ['reference', []],
    ['noisy', ['--seed', '5', '--noise', '0.1']],
    ['quantised', ['--bits', '6']],
  ] as const) {
    const out = join(dir, `${kind}.onnx`);
    const r = await runCli(['model', 'create', '--kind', kind, ...extra, '--out', out, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { sha256: string; bytes: number };
    const bytes = readFileSync(out);
    expect(sha(bytes)).toBe(info.sha256);
    const lib = createModelBytes(kind === 'noisy' ? { kind, seed: 5, noise: 0.1 } : kind === 'quantised' ? { kind, bits: 6 } : { kind });
    expect(sha(bytes)).toBe(sha(lib));
    const runner = await OnnxModelRunner.create(out);
    const y = await runner.run(generateInputs(4, 3));
    expect(y.y.shape).toEqual([3, 16]);
    await runner.close();
  }
  expect(sha(readFileSync(join(dir, 'reference.onnx')))).toBe(sha(referenceModelBytes()));
});

test('subnet model info and run read the file; refusals are clear', async () => {
  const out = join(dir, 'q.onnx');
  expect((await runCli(['model', 'create', '--kind', 'quantised', '--out', out])).code).toBe(0);
  const info = await runCli(['model', 'info', out, '--json']);
  expect(JSON.parse(info.stdout)).toMatchObject({ inputs: [{ name: 'x', dtype: 'float32', shape: [null, 32] }], metadata: { 'subnet.kind': 'quantised', 'subnet.bits': '4' } });
  const run = await runCli(['model', 'run', out, '--seed', '2', '--batch', '2']);
  expect(JSON.parse(run.stdout).outputs.y.shape).toEqual([2, 16]);
  const exists = await runCli(['model', 'create', '--out', out]);
  expect(exists.code).toBe(1);
  expect(exists.stderr).toMatch(/exists/);
  const bad = await runCli(['model', 'create', '--kind', 'noisy', '--noise', 'abc', '--out', join(dir, 'z.onnx')]);
  expect(bad.code).toBe(2);
  const garbage = await runCli(['model', 'info', join(dir, 'missing.onnx')]);
  expect(garbage.code).not.toBe(0);
  expect(garbage.stderr).toMatch(/MODEL_LOAD_FAILED|cannot read/);
});

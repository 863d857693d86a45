/**
 * Loads a scorer by built-in name or from a user module file (`--scorer ./my-scorer.js`).
 * A module may be CommonJS (`module.exports = scorer`, or `exports.default = scorer`) or ESM
 * (`export default scorer`). This is the one part of shared/scoring that does I/O.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SubnetError, errorMessage } from '../errors';
import { BUILTIN_SCORERS } from './builtins';
import type { Scorer } from './interface';

/** True when `spec` names a file rather than a built-in. */
export function isScorerPath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /\.(c|m)?js$/.test(spec) || spec.includes('/') || spec.includes('\\');
}

/** Checks that `obj` is a scorer; throws SCORER_INVALID naming what is wrong. */
export function validateScorer(obj: unknown, source: string): Scorer {
  const bad = (what: string) => new SubnetError('SCORER_INVALID', `scorer ${source}: ${what}`, { source });
  if (!obj || (typeof obj !== 'object' && typeof obj !== 'function')) throw bad('the module exports no scorer object');
  const s = obj as Partial<Scorer>;
  if (typeof s.name !== 'string' || s.name.length === 0) throw bad('`name` must be a non-empty string');
  if (typeof s.version !== 'string' || s.version.length === 0) throw bad('`version` must be a non-empty string');
  if (typeof s.score !== 'function') throw bad('`score` must be a function (challenge, reference, response, timing) => number');
  if (s.scoreBatch !== undefined && typeof s.scoreBatch !== 'function') throw bad('`scoreBatch`, when present, must be a function');
  return s as Scorer;
}

function pickExport(mod: unknown): unknown {
  const m = mod as { default?: unknown; name?: unknown; score?: unknown } | null;
  if (m && typeof m === 'object' && typeof m.score !== 'function' && m.default !== undefined) {
    const d = m.default as { default?: unknown; score?: unknown };
    // ESM imported from CJS-compiled code may nest default twice
    if (d && typeof d === 'object' && typeof d.score !== 'function' && d.default !== undefined) return d.default;
    return d;
  }
  return m;
}

// A real dynamic import (TypeScript's CommonJS output would turn `import()` into `require`).
const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<unknown>;

/** Loads a module file: require() first (CommonJS; ESM too on Node >= 20.19), import() as the fallback. */
async function loadModuleFile(file: string): Promise<unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as unknown;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const esm = code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || (err instanceof SyntaxError && /import|export/.test(err.message));
    if (!esm && !file.endsWith('.mjs')) throw err;
  }
  return dynamicImport(pathToFileURL(file).href);
}

/**
 * Resolves `spec` to a scorer: a built-in name (`cosine`, `relative-error`, `exact`, `latency`) or
 * a path to a JS module (relative to `cwd`). Errors: SCORER_UNKNOWN, SCORER_NOT_FOUND,
 * SCORER_LOAD_FAILED, SCORER_INVALID.
 */
export async function loadScorer(spec: string, opts: { cwd?: string } = {}): Promise<Scorer> {
  const builtin = BUILTIN_SCORERS[spec];
  if (builtin) return builtin;
  if (!isScorerPath(spec)) {
    throw new SubnetError('SCORER_UNKNOWN', `unknown scorer "${spec}" (built-ins: ${Object.keys(BUILTIN_SCORERS).join(', ')}; or a path to a .js module)`, { spec });
  }
  const file = resolve(opts.cwd ?? process.cwd(), spec);
  if (!existsSync(file)) throw new SubnetError('SCORER_NOT_FOUND', `scorer module not found: ${file}`, { spec, file });
  let mod: unknown;
  try {
    mod = await loadModuleFile(file);
  } catch (err) {
    throw new SubnetError('SCORER_LOAD_FAILED', `cannot load scorer module ${file}: ${errorMessage(err)}`, { spec, file }, { cause: err });
  }
  return validateScorer(pickExport(mod), spec);
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let cachedRoot: string | undefined;

/**
 * The project root (the folder holding this package's package.json), found from this file's
 * location so that it works both from sources (jest) and from the build (dist/).
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'subnet-ts') return (cachedRoot = dir);
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`package root not found above ${__dirname}`);
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `../shared/` beside the repository (reference material), or undefined when absent. */
export function referenceDir(): string | undefined {
  const d = resolve(packageRoot(), '..', 'shared');
  return existsSync(join(d, 'README.md')) ? d : undefined;
}

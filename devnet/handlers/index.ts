/** Paths of the devnet's miner handlers (compiled next to this file). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import * as slow from './slow';
import * as garbage from './garbage';
import * as flipping from './flipping';
import * as collude from '../scorers/collude';

export { slow, garbage, flipping, collude };

/** The compiled colluding scorer module, for `subnet validator --scorer FILE`. */
export function colluderPath(): string {
  const here = join(__dirname, '..', 'scorers', 'collude.js');
  return existsSync(here) ? here : join(packageRoot(), 'dist', 'devnet', 'scorers', 'collude.js');
}

/** The compiled .js of a handler, for `subnet miner --handler FILE`. */
export function handlerPath(name: 'slow' | 'garbage' | 'flipping'): string {
  const here = join(__dirname, `${name}.js`);
  return existsSync(here) ? here : join(packageRoot(), 'dist', 'devnet', 'handlers', `${name}.js`);
}

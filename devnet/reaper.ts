/**
 * The reaper: a tiny detached process that outlives the devnet only to clean up after it.
 * It polls the devnet's pid; when that process is gone (even after kill -9, which runs no
 * handler), it SIGTERMs then SIGKILLs every process group listed in the pid file, and exits.
 * When the devnet stops normally it empties the pid file and kills the reaper itself.
 *
 *   node dist/devnet/reaper.js <watched-pid> <pid-file>
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../shared/paths';

export function reaperScript(): string {
  const here = join(__dirname, 'reaper.js');
  return existsSync(here) ? here : join(packageRoot(), 'dist', 'devnet', 'reaper.js');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readGroups(pidFile: string): number[] {
  try {
    const body = JSON.parse(readFileSync(pidFile, 'utf8')) as { children?: { pid: number }[] };
    return (body.children ?? []).map((c) => c.pid).filter((p) => Number.isInteger(p) && p > 1);
  } catch {
    return [];
  }
}

function signalGroups(groups: number[], sig: NodeJS.Signals): void {
  for (const g of groups) {
    for (const target of [-g, g]) {
      try {
        process.kill(target, sig);
      } catch {
        /* gone */
      }
    }
  }
}

export function reaperMain(argv: string[]): void {
  const watched = Number(argv[0]);
  const pidFile = argv[1];
  if (!Number.isInteger(watched) || watched <= 1 || !pidFile) {
    process.stderr.write('usage: reaper <watched-pid> <pid-file>\n');
    process.exitCode = 2;
    return;
  }
  // the list is re-read while the devnet lives and kept in memory: the run folder may be gone
  // by the time the devnet is (a test's cleanup, rm -rf)
  let known: number[] = [];
  const refresh = () => {
    if (existsSync(pidFile)) known = readGroups(pidFile);
  };
  refresh();
  const timer = setInterval(() => {
    if (alive(watched)) {
      refresh();
      return;
    }
    clearInterval(timer);
    refresh();
    const groups = known;
    signalGroups(groups, 'SIGTERM');
    setTimeout(() => {
      signalGroups(groups, 'SIGKILL');
      process.exit(0);
    }, 1500);
  }, 250);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => {
    /* Ctrl-C reaches the whole foreground group; the devnet handles it, the reaper keeps watching */
  });
}

if (require.main === module) reaperMain(process.argv.slice(2));

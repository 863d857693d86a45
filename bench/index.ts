/** `npm run bench [-- NAME...] [--quick]`: runs every benchmark (or the named ones) and prints figures. */
import { listBenches } from './harness';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const names = argv.filter((a) => !a.startsWith('--'));
  const benches = listBenches().filter((b) => names.length === 0 || names.includes(b.name));
  if (benches.length === 0) {
    process.stderr.write(`no benchmark matches ${names.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const b of benches) {
    process.stdout.write(`\n== ${b.name}: ${b.description}\n`);
    const t0 = Date.now();
    const result = await b.run({ json: false, quick, args: [], log: (l) => process.stdout.write(`   ${l}\n`) });
    process.stdout.write(`${JSON.stringify({ bench: b.name, ...result })}\n(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

/**
 * The devnet's child-process supervision with real OS processes: every group is stopped, also
 * after a child crashed and left a grandchild behind, and the reaper cleans up after a devnet
 * process that died without running any handler (kill -9).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor, processAlive } from '../../devnet/supervisor';
import { reaperScript } from '../../devnet/reaper';

/** A node child that starts a grandchild (same group), prints the grandchild's pid, then idles or crashes. */
function childScript(crashAfterMs?: number): string {
  return `
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(()=>{}, 1000)'], { stdio: 'ignore' });
    console.log('grandchild ' + g.pid);
    ${crashAfterMs !== undefined ? `setTimeout(() => { throw new Error('boom'); }, ${crashAfterMs});` : ''}
    setInterval(() => {}, 1000);
  `;
}

async function waitFor(pred: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function grandchildPid(logFile: string): number {
  const m = /grandchild (\d+)/.exec(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  return m ? Number(m[1]) : 0;
}

describe('devnet supervisor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'devnet-sup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('stop() ends every group, including a crashed child\'s orphaned grandchild', async () => {
    const sup = new Supervisor({ pidFile: join(dir, 'pids.json'), graceMs: 2000 });
    const exits: string[] = [];
    sup.onExit((s) => exits.push(`${s.name}:${s.crashed}`));
    const a = sup.start({ name: 'a', command: process.execPath, args: ['-e', childScript()], logFile: join(dir, 'a.log') });
    const b = sup.start({ name: 'b', command: process.execPath, args: ['-e', childScript(300)], logFile: join(dir, 'b.log') });
    await waitFor(() => grandchildPid(join(dir, 'a.log')) > 0 && grandchildPid(join(dir, 'b.log')) > 0);
    const ga = grandchildPid(join(dir, 'a.log'));
    const gb = grandchildPid(join(dir, 'b.log'));
    // b crashes; its grandchild lives on in b's process group
    await waitFor(() => sup.state('b')!.exited);
    expect(sup.state('b')).toMatchObject({ crashed: true, exitCode: 1 });
    expect(exits).toEqual(['b:true']);
    expect(readFileSync(join(dir, 'b.log'), 'utf8')).toContain('boom');
    expect(processAlive(gb)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')).children.map((c: { pid: number }) => c.pid)).toEqual([a.pid, b.pid]);

    await sup.stop();
    for (const pid of [a.pid, b.pid, ga, gb]) expect(processAlive(pid)).toBe(false);
    expect(sup.state('a')).toMatchObject({ exited: true, crashed: false });
    expect(JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')).children).toEqual([]);
    await sup.stop(); // idempotent
  });

  test('stopChild() ends one group on purpose: reported as not crashed, the others keep running', async () => {
    const sup = new Supervisor({ graceMs: 2000 });
    const exits: string[] = [];
    sup.onExit((s) => exits.push(`${s.name}:${s.crashed}:${s.stoppedOnPurpose === true}`));
    const a = sup.start({ name: 'a', command: process.execPath, args: ['-e', childScript()], logFile: join(dir, 'a.log') });
    const b = sup.start({ name: 'b', command: process.execPath, args: ['-e', childScript()], logFile: join(dir, 'b.log') });
    await waitFor(() => grandchildPid(join(dir, 'a.log')) > 0 && grandchildPid(join(dir, 'b.log')) > 0);
    const ga = grandchildPid(join(dir, 'a.log'));
    const st = await sup.stopChild('a');
    expect(st).toMatchObject({ exited: true, crashed: false, stoppedOnPurpose: true, signal: 'SIGTERM' });
    expect(exits).toEqual(['a:false:true']);
    await waitFor(() => !processAlive(ga));
    expect(processAlive(a.pid)).toBe(false);
    expect(processAlive(b.pid)).toBe(true);
    expect(await sup.stopChild('a')).toMatchObject({ exited: true }); // again: nothing to do
    await expect(sup.stopChild('nobody')).rejects.toMatchObject({ code: 'DEVNET_UNKNOWN_CHILD' });
    await sup.stop();
    expect(processAlive(b.pid)).toBe(false);
  });

  test('a child that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const sup = new Supervisor({ graceMs: 300 });
    const c = sup.start({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      logFile: join(dir, 's.log'),
    });
    await waitFor(() => existsSync(join(dir, 's.log')) && readFileSync(join(dir, 's.log'), 'utf8').includes('ready'));
    await sup.stop();
    expect(processAlive(c.pid)).toBe(false);
    expect(sup.state('stubborn')!.signal).toBe('SIGKILL');
  });

  test('duplicate names are refused', () => {
    const sup = new Supervisor();
    sup.start({ name: 'x', command: process.execPath, args: ['-e', '0'], logFile: join(dir, 'x.log') });
    expect(() => sup.start({ name: 'x', command: process.execPath, args: ['-e', '0'], logFile: join(dir, 'x.log') })).toThrow(
      expect.objectContaining({ code: 'DEVNET_DUPLICATE_CHILD' }),
    );
    return sup.stop();
  });

  test('the reaper kills the groups of a devnet that died by kill -9', async () => {
    // stand-in for the devnet process: only needs a pid that dies
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const sup = new Supervisor({ pidFile: join(dir, 'pids.json') });
    const c = sup.start({ name: 'c', command: process.execPath, args: ['-e', childScript()], logFile: join(dir, 'c.log') });
    await waitFor(() => grandchildPid(join(dir, 'c.log')) > 0);
    const gc = grandchildPid(join(dir, 'c.log'));
    // the pid file the reaper reads (the supervisor wrote it with our pid as supervisor)
    writeFileSync(join(dir, 'pids.json'), JSON.stringify({ supervisor_pid: owner.pid, children: [{ name: 'c', pid: c.pid }] }));
    const reaper = spawn(process.execPath, [reaperScript(), String(owner.pid), join(dir, 'pids.json')], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 400));
    expect(processAlive(c.pid)).toBe(true);
    owner.kill('SIGKILL');
    await waitFor(() => !processAlive(c.pid) && !processAlive(gc), 8000);
    await waitFor(() => reaper.exitCode !== null || reaper.signalCode !== null, 5000);
    await sup.stop();
  });
});

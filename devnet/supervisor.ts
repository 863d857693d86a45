/**
 * Child-process supervision for the devnet: every miner and validator is a separate OS process,
 * started in its own process group (`detached: true`) with stdout+stderr appended to its log file.
 * `stop()` signals whole groups (SIGTERM, then SIGKILL after a grace period), so grandchildren go
 * too, and also groups whose leader already crashed. The pid list is kept in a JSON file that the
 * reaper (./reaper.ts) reads if this process itself dies without cleaning up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync, renameSync } from 'node:fs';
import { SubnetError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { nullLogger } from '../shared/logger';

export interface ChildSpec {
  /** unique name, e.g. "miner-0" */
  name: string;
  /** the executable (usually process.execPath) */
  command: string;
  args: string[];
  /** file that receives stdout and stderr (appended) */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ChildState {
  name: string;
  pid: number;
  logFile: string;
  startedAt: number;
  exited: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** true when the exit was not requested by stop() or stopChild() */
  crashed: boolean;
  /** true when stopChild() asked this child to exit (a deliberate stop, e.g. an inactive validator) */
  stoppedOnPurpose?: boolean;
}

export interface SupervisorOptions {
  /** JSON file listing the live process groups (read by the reaper); none when undefined */
  pidFile?: string;
  /** ms between SIGTERM and SIGKILL in stop() */
  graceMs: number;
}

export const defaultSupervisorOptions: SupervisorOptions = { graceMs: 3000 };

export type ExitListener = (state: ChildState) => void;

/** True when a process (or process group, for negative ids) exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
  try {
    process.kill(pid, signal);
  } catch {
    /* the leader is gone */
  }
}

export class Supervisor {
  private readonly opts: SupervisorOptions;
  private readonly log: Logger;
  private readonly children = new Map<string, { proc: ChildProcess; state: ChildState; exited: Promise<void>; intentional: boolean }>();
  private readonly listeners: ExitListener[] = [];
  private stopping = false;

  constructor(opts: Partial<SupervisorOptions> = {}, components: { logger?: Logger } = {}) {
    this.opts = { ...defaultSupervisorOptions, ...opts };
    this.log = components.logger ?? nullLogger;
  }

  /** Called for every child exit (crash or requested). */
  onExit(fn: ExitListener): void {
    this.listeners.push(fn);
  }

  states(): ChildState[] {
    return [...this.children.values()].map((c) => ({ ...c.state }));
  }

  state(name: string): ChildState | undefined {
    const c = this.children.get(name);
    return c ? { ...c.state } : undefined;
  }

  /** Process group ids still tracked (all started, whether or not the leader is alive). */
  pids(): number[] {
    return [...this.children.values()].map((c) => c.state.pid);
  }

  start(spec: ChildSpec): ChildState {
    if (this.stopping) throw new SubnetError('DEVNET_STOPPING', `cannot start ${spec.name}: the devnet is stopping`);
    if (this.children.has(spec.name)) throw new SubnetError('DEVNET_DUPLICATE_CHILD', `a child named ${spec.name} already runs`, { name: spec.name });
    const fd = openSync(spec.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    if (proc.pid === undefined) {
      throw new SubnetError('DEVNET_SPAWN_FAILED', `could not start ${spec.name} (${spec.command})`, { name: spec.name });
    }
    const state: ChildState = {
      name: spec.name,
      pid: proc.pid,
      logFile: spec.logFile,
      startedAt: Date.now(),
      exited: false,
      exitCode: null,
      signal: null,
      crashed: false,
    };
    const exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        state.exited = true;
        state.exitCode = code;
        state.signal = signal;
        const intentional = this.children.get(spec.name)?.intentional ?? false;
        state.crashed = !this.stopping && !intentional;
        if (intentional) state.stoppedOnPurpose = true;
        if (state.crashed) this.log.debug('child exited', { name: spec.name, pid: state.pid, code, signal, log: spec.logFile });
        for (const l of this.listeners) l({ ...state });
        resolve();
      });
      proc.once('error', (err) => {
        this.log.error('child error', { name: spec.name, error: err.message });
      });
    });
    this.children.set(spec.name, { proc, state, exited, intentional: false });
    this.writePidFile();
    this.log.debug('child started', { name: spec.name, pid: state.pid });
    return { ...state };
  }

  /**
   * Stops one child group on purpose (SIGTERM, SIGKILL after graceMs): its exit is reported to
   * the exit listeners with `crashed: false, stoppedOnPurpose: true`. Resolves once it exited.
   */
  async stopChild(name: string): Promise<ChildState> {
    const c = this.children.get(name);
    if (!c) throw new SubnetError('DEVNET_UNKNOWN_CHILD', `no child named ${name}`, { name });
    if (!c.state.exited) {
      c.intentional = true;
      killGroup(c.state.pid, 'SIGTERM');
      const deadline = Date.now() + this.opts.graceMs;
      while (Date.now() < deadline && !(c.state.exited && !processAlive(-c.state.pid))) await new Promise((r) => setTimeout(r, 25));
      if (!c.state.exited || processAlive(-c.state.pid)) killGroup(c.state.pid, 'SIGKILL');
      await Promise.race([c.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    return { ...c.state };
  }

  /** Stops every child group: SIGTERM, wait up to graceMs, SIGKILL what is left. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.children.values()];
    for (const c of all) killGroup(c.state.pid, 'SIGTERM');
    const deadline = Date.now() + this.opts.graceMs;
    // wait for leaders to exit and for their groups to empty
    while (Date.now() < deadline) {
      if (all.every((c) => c.state.exited && !processAlive(-c.state.pid))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const c of all) {
      if (!c.state.exited || processAlive(-c.state.pid)) killGroup(c.state.pid, 'SIGKILL');
    }
    await Promise.all(all.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 2000))])));
    this.writePidFile(true);
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL every group. */
  killAllSync(): void {
    this.stopping = true;
    for (const c of this.children.values()) killGroup(c.state.pid, 'SIGKILL');
  }

  private wrotePidFile = false;

  private writePidFile(empty = false): void {
    // nothing is written before the first child exists (a refused run folder stays untouched)
    if (!this.opts.pidFile || (empty && !this.wrotePidFile)) return;
    this.wrotePidFile = true;
    const body = {
      supervisor_pid: process.pid,
      children: empty ? [] : [...this.children.values()].map((c) => ({ name: c.state.name, pid: c.state.pid })),
    };
    const tmp = `${this.opts.pidFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(body, null, 1));
    renameSync(tmp, this.opts.pidFile);
  }
}

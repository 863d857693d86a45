/**
 * A small subnet on loopback for the fault tests: the local chain in-process (interval blocks),
 * miners and one validator as real `subnet` processes. Hotkeys: owner //Bob (uid 0, no axon),
 * validator //Dave (uid 1, stake), miners //m1.. (uids 2..).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalChain, type RunningLocalChain } from '../../../chain-mock';
import { keysReady } from '../../../shared/keys';
import { freePort, stopChild } from '../../helpers/cli';
import type { Proc } from './procs';

export const TEMPO = 10;
export const RATE_LIMIT = 15;
export const VALIDATOR_UID = 1;
export const FIRST_MINER_UID = 2;

export function genesisFor(minerPorts: number[]) {
  return {
    subnets: [
      {
        owner: '//Alice',
        ownerHotkey: '//Bob',
        hyperparameters: { Tempo: TEMPO, WeightsSetRateLimit: RATE_LIMIT, CommitRevealWeightsEnabled: false, MinAllowedWeights: 1, ImmunityPeriod: 5000 },
        neurons: [
          { coldkey: '//Charlie', hotkey: '//Dave', stake: '1000000000000' },
          ...minerPorts.map((port, i) => ({ coldkey: '//Eve', hotkey: `//m${i + 1}`, axon: { ip: '127.0.0.1', port } })),
        ],
      },
    ],
  };
}

export class Cluster {
  dir = '';
  chain!: RunningLocalChain;
  ports: number[] = [];
  readonly procs: Proc[] = [];

  async start(miners: number, blockMs = 100): Promise<void> {
    await keysReady();
    this.dir = mkdtempSync(join(tmpdir(), 'faults-'));
    for (let i = 0; i < miners; i++) this.ports.push(await freePort());
    this.chain = await startLocalChain({
      port: 0,
      blockMode: 'interval',
      blockMs,
      runtime: { allowLoopbackAxons: true },
      genesis: genesisFor(this.ports),
    });
  }

  track(p: Proc): Proc {
    this.procs.push(p);
    return p;
  }

  async stop(): Promise<void> {
    for (const p of this.procs.splice(0)) await stopChild(p, 3000);
    await this.chain?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

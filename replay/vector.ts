/**
 * `subnet replay --export-vector`: a logged epoch as a Yuma spec vector, in the schema of
 * ../shared/yuma/vectors/README.md: `{input, expected, meta}`. `input` is the chain snapshot the
 * epoch ran on (EpochInput, snake_case, tao_weight as a decimal string), `expected` every field of
 * the validator's logged Yuma result. The spec runner's check is `yumaEpoch(input)` deep-equals
 * `expected`; what the chain itself reported is kept in `meta.chain_reported`, so a disagreement
 * between the chain and the prediction found in the field becomes a test case.
 */
import { SubnetError } from '../shared/errors';
import type { EpochLog } from '../shared/log/interface';
import { EPOCH_OUTPUT_FIELDS, type EpochInput, type EpochOutput } from '../shared/yuma/types';

export interface YumaVector {
  input: EpochInput & { name: string };
  expected: EpochOutput;
  meta: {
    category: 'field';
    description: string;
    oracle: string;
    dense_epoch_differs_in: string[];
    source: { db: string; epoch: number; epoch_block: number; snapshot_block: number; snapshot_exact: boolean; validator_uid: number | null; hotkeys: string[] };
    chain_reported: { block: number; consensus: number[]; incentive: number[]; dividends: number[]; validator_trust: number[] } | null;
    /** the logged prediction equals what the chain reported (consensus, incentive, dividends, validator trust) */
    chain_agrees: boolean | null;
  };
}

/** A vector name: letters, digits, _ (the vectors' file-name convention). */
export function vectorName(db: string, epoch: number): string {
  const base = db.replace(/\\/g, '/').split('/').filter(Boolean).slice(-2).join('_').replace(/\.[a-z0-9]+$/i, '');
  return `field_${base.replace(/[^A-Za-z0-9_]+/g, '_')}_epoch${epoch}`.replace(/_+/g, '_');
}

function plainInput(input: EpochInput, name: string): EpochInput & { name: string } {
  // JSON round trip: bigint tao_weight -> string, no shared references with the log's objects
  const s = JSON.stringify({ ...input, name }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return JSON.parse(s) as EpochInput & { name: string };
}

export function exportVector(log: EpochLog, db: string): YumaVector {
  if (!log.snapshot || !log.prediction) {
    throw new SubnetError('REPLAY_EPOCH_INCOMPLETE', `epoch ${log.epoch} has no chain snapshot or prediction in the log: nothing to export`, { epoch: log.epoch });
  }
  const name = vectorName(db, log.epoch);
  const input = plainInput(log.snapshot.input, name);
  const p = log.prediction.predicted;
  const expected = {} as Record<string, unknown>;
  for (const f of EPOCH_OUTPUT_FIELDS) expected[f] = JSON.parse(JSON.stringify(p[f]));
  const rep = log.prediction.reported;
  let chainAgrees: boolean | null = null;
  if (rep) {
    const eq = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    chainAgrees = eq(p.consensus, rep.consensus) && eq(p.incentive, rep.incentive) && eq(p.dividends, rep.dividends) && eq(p.validator_trust, rep.validatorTrust);
  }
  return {
    input,
    expected: expected as unknown as EpochOutput,
    meta: {
      category: 'field',
      description: `epoch ${log.epoch} logged by a validator (${db}); expected = the validator's Yuma result on the chain snapshot at block ${log.snapshot.epochBlock}`,
      oracle: 'validator log (shared/yuma prediction); chain-reported values in chain_reported',
      dense_epoch_differs_in: [],
      source: {
        db,
        epoch: log.epoch,
        epoch_block: log.snapshot.epochBlock,
        snapshot_block: log.snapshot.snapshotBlock,
        snapshot_exact: log.snapshot.exact,
        validator_uid: log.prediction.ownUid,
        hotkeys: log.snapshot.hotkeys,
      },
      chain_reported: rep ? { block: rep.block, consensus: rep.consensus, incentive: rep.incentive, dividends: rep.dividends, validator_trust: rep.validatorTrust } : null,
      chain_agrees: chainAgrees,
    },
  };
}

/**
 * From chain state to Yuma: the EpochInput a chain epoch runs on, built from a metagraph read
 * just before it, and the comparison of the prediction with what the chain then reports. Pure.
 */
import type { Hyperparameters, Metagraph } from '../shared/chain/interface';
import { SubnetError } from '../shared/errors';
import type { EpochInput, EpochOutput } from '../shared/yuma/types';
import type { ChainReported } from '../shared/log/interface';

/** Values the chain client does not (yet) expose; see docs/validator.md "Needs from other modules". */
export interface EpochExtras {
  /** LastMechansimStepBlock; default: the previous epoch block (epochBlock - tempo - 1) */
  lastMechanismStepBlock?: number;
  /** alpha emitted by this epoch; default 0 (consensus, incentive, dividends and trust do not depend on it) */
  raoEmission?: number;
  /** uid of SubnetOwnerHotkey; default null */
  ownerUid?: number | null;
  /** TaoWeight (raw u64); default '0' with no root stake */
  taoWeight?: string;
  taoStake?: number[] | null;
}

function toSafe(v: bigint, what: string): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SubnetError('SNAPSHOT_INVALID', `${what} ${v} does not fit a safe integer`, { what });
  return Number(v);
}

/** The EpochInput for a chain epoch running at `epochBlock` on the state in `mg` (read with weights and bonds). */
export function epochInputFromMetagraph(mg: Metagraph, epochBlock: number, extras: EpochExtras = {}): EpochInput {
  const h: Hyperparameters = mg.hyperparameters;
  const n = mg.n;
  if (!mg.weights || !mg.bonds) throw new SubnetError('SNAPSHOT_INVALID', 'the metagraph was read without weights and bonds', {});
  const pad = <T>(a: readonly T[], fill: T): T[] => Array.from({ length: n }, (_, i) => (i < a.length ? a[i] : fill));
  return {
    n,
    current_block: epochBlock,
    activity_cutoff: h.activityCutoff,
    kappa_u16: h.kappa,
    bonds_moving_average: h.bondsMovingAverage,
    liquid_alpha: h.liquidAlphaOn ? { alpha_low: h.alphaLow, alpha_high: h.alphaHigh, alpha_sigmoid_steepness: h.alphaSigmoidSteepness } : null,
    yuma3: h.yuma3On,
    stake: pad(mg.stake, 0n).map((s, i) => toSafe(s, `stake of uid ${i}`)),
    validator_permit: pad(mg.validatorPermit, false),
    last_update: pad(mg.lastUpdate, 0),
    block_at_registration: pad(mg.blockAtRegistration, 0),
    weights: pad(mg.weights, [] as [number, number][]).map((r) => r.map(([j, v]) => [j, v] as [number, number])),
    bonds: pad(mg.bonds, [] as [number, number][]).map((r) => r.map(([j, v]) => [j, v] as [number, number])),
    rao_emission: extras.raoEmission ?? 0,
    tempo: h.tempo,
    last_mechanism_step_block: extras.lastMechanismStepBlock ?? Math.max(0, epochBlock - h.tempo - 1),
    bonds_penalty_u16: h.bondsPenalty,
    max_allowed_validators: h.maxAllowedValidators,
    stake_threshold: h.stakeThreshold,
    owner_uid: extras.ownerUid ?? null,
    tao_stake: extras.taoStake ?? null,
    tao_weight: extras.taoWeight ?? '0',
    commit_reveal: null,
  };
}

/** Replaces our own weight row in a snapshot (what-if: the weights we meant to set). */
export function withWeightRow(input: EpochInput, uid: number, uids: number[], values: number[]): EpochInput {
  const weights = input.weights.map((r) => r.slice());
  weights[uid] = uids.map((u, i) => [u, values[i]] as [number, number]);
  return { ...input, weights };
}

/** What the chain reported after the epoch (u16 vectors as stored). */
export function reportedFromMetagraph(mg: Metagraph): ChainReported {
  return { block: mg.block, consensus: [...mg.consensus], incentive: [...mg.incentive], dividends: [...mg.dividends], validatorTrust: [...mg.validatorTrust] };
}

/** Largest |predicted - reported| over consensus, incentive, dividends and validator trust. */
export function maxAbsDiff(p: EpochOutput, r: ChainReported): number {
  let m = 0;
  const cmp = (a: readonly number[], b: readonly number[]) => {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  };
  cmp(p.consensus, r.consensus);
  cmp(p.incentive, r.incentive);
  cmp(p.dividends, r.dividends);
  cmp(p.validator_trust, r.validatorTrust);
  return m;
}

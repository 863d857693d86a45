/**
 * Validator settings with their defaults. The CLI (`subnet validator`) takes its defaults from
 * `defaultValidatorOptions`, so every default lives here.
 */
export interface ValidatorOptions {
  /** the subnet to validate */
  netuid: number;
  /** miners queried per step; 0 = all (every uid but our own) */
  sampleSize: number;
  /** query deadline per step, ms */
  timeoutMs: number;
  /** score EMA: s <- alpha*r + (1-alpha)*s */
  alpha: number;
  /** interval between step starts, ms (a step that overruns starts the next at once) */
  stepMs: number;
  /** resync the metagraph every this many blocks (and around every epoch) */
  syncEveryBlocks: number;
  /** raw responses and challenge inputs older than this many epochs are pruned (0 = never) */
  pruneAfterEpochs: number;
  /** rows per challenge (the challenge input is [batch, dim]) */
  batch: number;
  /** keep the challenge inputs in the log (pruned with the responses); replay can also regenerate them from the seed */
  keepInputs: boolean;
  /** set weights on chain (false: prepare and log them only) */
  setWeights: boolean;
  /** the weights version key; null = the chain's WeightsVersionKey */
  versionKey: number | null;
  /** transport failures of set_weights are retried this many times, with exponential backoff */
  weightRetries: number;
  weightRetryBaseMs: number;
  weightRetryMaxMs: number;
  /** commit-reveal (CRv2): u16 values of random salt per commit */
  saltLength: number;
  /** exclude quantile for weight processing (u16 scale, 0 = keep all) */
  excludeQuantile: number;
  /** the wire synapse name the default task sends */
  synapse: string;
  /** compute the Yuma prediction after every chain epoch */
  predict: boolean;
}

export const defaultValidatorOptions: Readonly<ValidatorOptions> = Object.freeze({
  netuid: 1,
  sampleSize: 0,
  timeoutMs: 2000,
  alpha: 0.1,
  stepMs: 1000,
  syncEveryBlocks: 5,
  pruneAfterEpochs: 50,
  batch: 4,
  keepInputs: true,
  setWeights: true,
  versionKey: null,
  weightRetries: 3,
  weightRetryBaseMs: 500,
  weightRetryMaxMs: 8000,
  saltLength: 8,
  excludeQuantile: 0,
  synapse: 'infer',
  predict: true,
});

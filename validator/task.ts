/**
 * The default task: the validator holds the reference model and generates each challenge's
 * inputs from a seed; the reference output is what an honest miner returns.
 */
import type { ModelRunner, TensorData } from '../shared/model/interface';
import type { Challenge, QueryRequest, Task } from './interface';

export interface ReferenceTaskOptions {
  /** rows per challenge */
  batch: number;
  /** wire synapse name */
  synapse: string;
}

export class ReferenceTask implements Task {
  readonly name = 'reference-model';
  private readonly model: ModelRunner;
  private readonly generate: (seed: number, batch: number) => Record<string, TensorData>;
  private readonly opts: ReferenceTaskOptions;

  constructor(model: ModelRunner, generate: (seed: number, batch: number) => Record<string, TensorData>, opts: ReferenceTaskOptions) {
    this.model = model;
    this.generate = generate;
    this.opts = opts;
  }

  async challenge(seed: number, opts: { signal?: AbortSignal } = {}): Promise<Challenge> {
    const inputs = this.generate(seed, this.opts.batch);
    const reference = await this.model.run(inputs, opts);
    return { seed, inputs, reference };
  }

  request(c: Challenge): QueryRequest {
    return { synapse: this.opts.synapse, tensors: c.inputs };
  }
}

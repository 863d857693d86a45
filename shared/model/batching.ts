/**
 * Dynamic micro-batching: concurrent requests are concatenated along dim 0 into one run of the
 * wrapped runner (up to `maxBatchRows` rows, waiting at most `maxWaitMs` for company — 0: only
 * the requests of the same event-loop turn) and the
 * outputs are split back. Each request is validated on its own first, so one bad request never
 * fails a batch. Abort-aware: an aborted request leaves the queue at once, or, if its batch is
 * already running, gets its AbortError at once (its rows are computed and dropped).
 * Models whose inputs or outputs lack a dynamic dim 0 are passed straight through.
 * Outputs of a merged batch are views into one buffer.
 */
import { SubnetError } from '../errors';
import type { ModelRunner, TensorData, TensorSpec } from './interface';
import { abortError } from './onnxRunner';
import { defaultBatchingOptions, type BatchingOptions } from './options';
import { concatBatch, splitBatch } from './tensor';
import { validateInputs } from './validate';
import { traceWire } from '../trace';

interface Item {
  inputs: Record<string, TensorData>;
  rows: number;
  key: string;
  enqueuedAt: number;
  signal?: AbortSignal;
  done: RunCallback;
  onAbort?: () => void;
  settled: boolean;
}

/** Called once per submitted request: `(undefined, outputs)` or `(error)`. */
export type RunCallback = (err: unknown, outputs?: Record<string, TensorData>) => void;

export interface BatchingStats {
  requests: number;
  batches: number;
  rows: number;
  passthrough: number;
}

export class BatchingModelRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly options: Readonly<BatchingOptions>;
  readonly stats: BatchingStats = { requests: 0, batches: 0, rows: 0, passthrough: 0 };
  private readonly inner: ModelRunner;
  private readonly batchable: boolean;
  private queue: Item[] = [];
  private queuedRows = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(inner: ModelRunner, options: Partial<BatchingOptions> = {}) {
    this.inner = inner;
    this.options = Object.freeze({ ...defaultBatchingOptions, ...options });
    if (!(this.options.maxBatchRows >= 1) || !(this.options.maxWaitMs >= 0) || !(this.options.concurrency >= 1)) {
      throw new SubnetError('MODEL_BAD_OPTIONS', 'maxBatchRows ≥ 1, maxWaitMs ≥ 0 and concurrency ≥ 1 are required', { ...this.options });
    }
    this.inputs = inner.inputs;
    this.outputs = inner.outputs;
    const dyn0 = (s: TensorSpec) => s.shape.length > 0 && s.shape[0] === null;
    this.batchable = this.inputs.length > 0 && this.inputs.every(dyn0) && this.outputs.every(dyn0);
  }

  validate(inputs: Record<string, TensorData>): number | undefined {
    return validateInputs(this.inputs, inputs, this.options);
  }

  /** Number of requests waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  run(inputs: Record<string, TensorData>, opts: { signal?: AbortSignal } = {}): Promise<Record<string, TensorData>> {
    return new Promise((resolve, reject) => this.submit(inputs, (err, out) => (err === undefined ? resolve(out!) : reject(err)), opts.signal));
  }

  /**
   * `run` without a promise: `done` is called once, with the outputs or the error (synchronously
   * when the request is refused at once: invalid, aborted, runner closed). A caller with many
   * requests (the miner's model handler, one batch frame at a time) saves a promise and its
   * microtasks per request.
   */
  submit(inputs: Record<string, TensorData>, done: RunCallback, signal?: AbortSignal): void {
    if (signal?.aborted) return done(abortError(signal));
    if (this.closed) return done(new SubnetError('MODEL_CLOSED', 'model runner is closed', {}));
    let rows: number | undefined;
    try {
      rows = this.validate(inputs);
    } catch (err) {
      return done(err);
    }
    this.stats.requests++;
    if (!this.batchable || rows === undefined || rows >= this.options.maxBatchRows) {
      this.stats.passthrough++;
      this.inner.run(inputs, { signal, validated: true }).then(
        (out) => done(undefined, out),
        (err: unknown) => done(err ?? new SubnetError('MODEL_RUN_FAILED', 'the model run failed', {})),
      );
      return;
    }
    const item: Item = { inputs, rows, key: this.keyOf(inputs), enqueuedAt: Date.now(), signal, done, settled: false };
    if (signal) {
      item.onAbort = () => {
        const i = this.queue.indexOf(item);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.queuedRows -= item.rows;
        }
        this.settle(item, undefined, abortError(signal));
      };
      signal.addEventListener('abort', item.onAbort, { once: true });
    }
    this.queue.push(item);
    this.queuedRows += item.rows;
    this.schedule();
  }

  /** Requests merge only with the same trailing dims on every input (one input: no string built for the common shapes). */
  private keyOf(inputs: Record<string, TensorData>): string {
    const specs = this.inputs;
    if (specs.length === 1) {
      const shape = inputs[specs[0].name].shape;
      if (shape.length === 2) return String(shape[1]);
      if (shape.length === 1) return '';
    }
    return specs.map((s) => inputs[s.name].shape.slice(1).join('x')).join('|');
  }

  private settle(item: Item, value: Record<string, TensorData> | undefined, err?: unknown): void {
    if (item.settled) return;
    item.settled = true;
    if (item.onAbort && item.signal) item.signal.removeEventListener('abort', item.onAbort);
    if (err !== undefined) item.done(err);
    else item.done(undefined, value!);
  }

  /**
   * maxWaitMs 0 = no timer: a batch takes every request that arrived in the current event-loop
   * turn (dispatched from setImmediate), so concurrent requests share a run without adding a wait.
   */
  private schedule(turnEnd = false): void {
    if (this.queue.length === 0) return;
    const oldest = this.queue[0].enqueuedAt;
    const wait = this.options.maxWaitMs;
    const due = turnEnd || this.queuedRows >= this.options.maxBatchRows || (wait > 0 && Date.now() - oldest >= wait);
    if (due) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      // what does not fit now is dispatched when a running batch finishes (it calls schedule())
      while (this.running < this.options.concurrency && this.queue.length > 0) this.dispatch();
    } else if (wait === 0) {
      if (!this.immediate) this.immediate = setImmediate(this.onTurnEnd);
    } else if (!this.timer) {
      this.armTimer();
    }
  }

  private readonly onTurnEnd = (): void => {
    this.immediate = undefined;
    this.schedule(true);
  };

  private armTimer(): void {
    const wait = Math.max(0, this.options.maxWaitMs - (Date.now() - this.queue[0].enqueuedAt));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
  }

  /** Takes requests with the first request's trailing shape, up to maxBatchRows rows, and runs them. */
  private dispatch(): void {
    const key = this.queue[0].key;
    const batch: Item[] = [];
    let rows = 0;
    const rest: Item[] = [];
    for (const item of this.queue) {
      if (item.key === key && rows + item.rows <= this.options.maxBatchRows) {
        batch.push(item);
        rows += item.rows;
      } else rest.push(item);
    }
    this.queue = rest;
    this.queuedRows -= rows;
    this.running++;
    this.stats.batches++;
    this.stats.rows += rows;
    void this.runBatch(batch).finally(() => {
      this.running--;
      if (this.running === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      this.schedule();
    });
  }

  private async runBatch(batch: Item[]): Promise<void> {
    const live = batch.filter((i) => !i.settled);
    if (live.length === 0) return;
    try {
      const merged: Record<string, TensorData> = {};
      for (const s of this.inputs) merged[s.name] = concatBatch(live.map((i) => i.inputs[s.name]));
      traceWire('miner', 'run', live.length, 0);
      // every request was validated on its own in submit(): the merged batch is not checked again
      const out = await this.inner.run(merged, { validated: true });
      traceWire('miner', 'ran', live.length, 0);
      const rows = live.map((i) => i.rows);
      const parts: Record<string, TensorData[]> = {};
      for (const s of this.outputs) {
        const t = out[s.name];
        const total = rows.reduce((a, b) => a + b, 0);
        if (!t || t.shape[0] !== total) throw new SubnetError('MODEL_RUN_FAILED', `output ${s.name} has ${t?.shape[0]} rows for a batch of ${total}`, { output: s.name, expected: total, got: t?.shape[0] ?? null });
        parts[s.name] = splitBatch(t, rows);
      }
      live.forEach((item, k) => {
        const res: Record<string, TensorData> = {};
        for (const s of this.outputs) res[s.name] = parts[s.name][k];
        this.settle(item, res);
      });
    } catch (err) {
      const e = err ?? new SubnetError('MODEL_RUN_FAILED', 'the model run failed', {});
      for (const item of live) this.settle(item, undefined, e);
    }
  }

  /** Rejects queued requests (MODEL_CLOSED), waits for running batches, closes the inner runner (closeInner). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    const q = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    for (const item of q) this.settle(item, undefined, new SubnetError('MODEL_CLOSED', 'model runner closed before the request ran', {}));
    if (this.running > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (this.options.closeInner) await this.inner.close();
  }
}

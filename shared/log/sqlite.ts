/**
 * The validator log over SQLite (better-sqlite3): WAL, one transaction per write method,
 * `user_version` migrations, `application_id` to recognise our files.
 *
 * Durability: WAL with synchronous=NORMAL. A committed transaction survives a killed process
 * (kill -9); only an OS crash or power loss can drop the last transactions (use
 * `synchronous: 'FULL'` to close that too). A transaction cut by kill -9 is rolled back on the
 * next open, so the file is never half-written.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Hyperparameters } from '../chain/interface';
import { SubnetError, errorMessage } from '../errors';
import type { EpochInput, EpochOutput } from '../yuma/types';
import type {
  ChainReported,
  EpochLog,
  EpochOpenRecord,
  EpochSummary,
  LogStore,
  LoggedQuery,
  LoggedStep,
  LoggedWeightSet,
  LoggedWeightsPrepared,
  PredictionRecord,
  QueryStatus,
  ResumeState,
  RunRecord,
  SnapshotRecord,
  StepRecord,
  LoggedWeightCommit,
  WeightCommitPatch,
  WeightCommitRecord,
  WeightCommitStatus,
  WeightSetRecord,
  WeightSetStatus,
  WeightsPreparedRecord,
} from './interface';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, READONLY_MIN_SCHEMA_VERSION } from './schema';

export interface SqliteLogOptions {
  /** open for reading only (replay); the file must exist and be at the latest schema */
  readonly: boolean;
  /** `quick`: run PRAGMA quick_check on open (O(size)); `off`: rely on errors at use */
  integrityCheck: 'quick' | 'off';
  /** NORMAL survives process kills; FULL also survives power loss */
  synchronous: 'NORMAL' | 'FULL';
  /** stop migrating at this version (tests of the migration path) */
  migrateTo: number;
}

export const defaultSqliteLogOptions: SqliteLogOptions = {
  readonly: false,
  integrityCheck: 'quick',
  synchronous: 'NORMAL',
  migrateTo: LATEST_SCHEMA_VERSION,
};

const SQLITE_HEADER = 'SQLite format 3\u0000';

type Row = Record<string, unknown>;

function blob(u: Uint8Array | null): Buffer | null {
  if (u === null) return null;
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
function f64Blob(f: Float64Array): Buffer {
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}
function f64From(b: unknown): Float64Array {
  const u = b as Buffer;
  const copy = new Uint8Array(u.byteLength);
  copy.set(u);
  return new Float64Array(copy.buffer);
}
function u8From(b: unknown): Uint8Array | null {
  if (b === null || b === undefined) return null;
  const u = b as Buffer;
  return new Uint8Array(u.buffer, u.byteOffset, u.byteLength);
}
/** JSON with bigints as decimal strings (EpochInput.tao_weight may be a bigint). */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function isCorruptError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/** Reads the first 16 bytes of a file (empty when shorter). */
function readHeader(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(16);
    const n = readSync(fd, b, 0, 16, 0);
    return b.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function commitFromRow(r: Row): LoggedWeightCommit {
  return {
    id: r.id as number,
    epoch: r.epoch as number,
    preparedId: (r.prepared_id as number | null) ?? null,
    status: r.status as WeightCommitStatus,
    block: r.block as number,
    commitBlock: (r.commit_block as number | null) ?? null,
    commitEpoch: (r.commit_epoch as number | null) ?? null,
    revealEpoch: (r.reveal_epoch as number | null) ?? null,
    uids: JSON.parse(r.uids_json as string) as number[],
    values: JSON.parse(r.values_json as string) as number[],
    salt: JSON.parse(r.salt_json as string) as number[],
    versionKey: r.version_key as number,
    hash: r.hash as string,
    revealBlock: (r.reveal_block as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    attempts: r.attempts as number,
    revealAttempts: r.reveal_attempts as number,
    at: r.at as number,
  };
}

export class SqliteLogStore implements LogStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly opts: SqliteLogOptions;
  private stmts!: ReturnType<SqliteLogStore['prepare']>;
  private closed = false;
  private readonly updateCache = new Map<string, Database.Statement>();

  /** Opens (creating and migrating when needed). Errors: LOG_NOT_FOUND, LOG_FOREIGN, LOG_CORRUPT, LOG_NEWER_SCHEMA, LOG_OLD_SCHEMA, LOG_OPEN_FAILED. */
  constructor(path: string, opts: Partial<SqliteLogOptions> = {}) {
    this.path = path;
    this.opts = { ...defaultSqliteLogOptions, ...opts };
    const exists = existsSync(path) && statSync(path).size > 0;
    if (!exists && this.opts.readonly) throw new SubnetError('LOG_NOT_FOUND', `validator log not found: ${path}`, { path });
    if (exists) {
      if (statSync(path).isDirectory()) throw new SubnetError('LOG_FOREIGN', `${path} is a directory, not a validator log`, { path });
      const h = readHeader(path);
      if (h !== SQLITE_HEADER) throw new SubnetError('LOG_FOREIGN', `${path} is not a validator log (not an SQLite database)`, { path });
    }
    try {
      this.db = new Database(path, { readonly: this.opts.readonly, fileMustExist: this.opts.readonly });
    } catch (err) {
      throw this.mapError(err, 'open');
    }
    try {
      this.init();
    } catch (err) {
      try {
        this.db.close();
      } catch {
        /* already failing */
      }
      throw this.mapError(err, 'open');
    }
  }

  private mapError(err: unknown, op: string): SubnetError {
    if (err instanceof SubnetError) return err;
    if (isCorruptError(err)) {
      return new SubnetError('LOG_CORRUPT', `validator log ${this.path} is corrupt (${errorMessage(err)}); move it aside and start a new one`, { path: this.path, op }, { cause: err });
    }
    return new SubnetError(op === 'open' ? 'LOG_OPEN_FAILED' : 'LOG_WRITE_FAILED', `validator log ${this.path}: ${op} failed: ${errorMessage(err)}`, { path: this.path, op }, { cause: err });
  }

  private guard<T>(op: string, f: () => T): T {
    if (this.closed) throw new SubnetError('LOG_CLOSED', `validator log ${this.path} is closed`, { path: this.path, op });
    try {
      return f();
    } catch (err) {
      throw this.mapError(err, op);
    }
  }

  private init(): void {
    const db = this.db;
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS c FROM sqlite_master WHERE type IN ('table','index','view','trigger')").get() as { c: number }).c;
    const fresh = appId === 0 && version === 0 && tables === 0;
    if (!fresh) {
      if (appId !== APPLICATION_ID) {
        throw new SubnetError('LOG_FOREIGN', `${this.path} is an SQLite database but not a validator log (application_id ${appId}, expected ${APPLICATION_ID})`, { path: this.path, applicationId: appId });
      }
      if (version > LATEST_SCHEMA_VERSION) {
        throw new SubnetError('LOG_NEWER_SCHEMA', `${this.path} has log schema version ${version}, newer than this program's ${LATEST_SCHEMA_VERSION}; upgrade the program`, { path: this.path, version, latest: LATEST_SCHEMA_VERSION });
      }
      if (this.opts.integrityCheck === 'quick') {
        const r = db.pragma('quick_check', { simple: true }) as string;
        if (r !== 'ok') throw new SubnetError('LOG_CORRUPT', `validator log ${this.path} is corrupt (quick_check: ${r}); move it aside and start a new one`, { path: this.path, check: r });
      }
    }
    if (this.opts.readonly) {
      if (fresh) throw new SubnetError('LOG_FOREIGN', `${this.path} is an empty SQLite database, not a validator log`, { path: this.path });
      if (version < Math.min(this.opts.migrateTo, READONLY_MIN_SCHEMA_VERSION)) {
        throw new SubnetError('LOG_OLD_SCHEMA', `${this.path} has log schema version ${version}; open it once read-write to migrate to ${LATEST_SCHEMA_VERSION}`, { path: this.path, version });
      }
    } else {
      if (fresh) {
        // 16 KiB pages: ~2x the insert rate of the 4 KiB default for ~600-byte query rows
        db.pragma('page_size = 16384');
        db.pragma('auto_vacuum = INCREMENTAL');
        db.pragma(`application_id = ${APPLICATION_ID}`);
      }
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.opts.synchronous}`);
      this.migrate(version);
    }
    db.pragma('busy_timeout = 5000');
    this.stmts = this.prepare();
  }

  private migrate(from: number): void {
    for (const m of MIGRATIONS) {
      if (m.version <= from || m.version > this.opts.migrateTo) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
        if (m.version === 1) this.db.prepare("INSERT INTO meta(key, value) VALUES ('created_at', ?)").run(String(Date.now()));
      })();
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare('INSERT INTO runs(started_at, hotkey, netuid, app_version, scorer_name, scorer_version, options_json) VALUES (?,?,?,?,?,?,?)'),
      insertEpoch: db.prepare(
        'INSERT INTO epochs(epoch, run_id, start_step, start_block, started_at, options_json, hyperparams_json, scorer_name, scorer_version, ema_start, hotkeys_start) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      ),
      insertStep: db.prepare('INSERT INTO steps(step, epoch, block, seed, started_at, duration_ms, n, queried, ok, faults, inputs, reference) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)'),
      insertQuery: db.prepare('INSERT INTO queries(step, uid, epoch, hotkey, status, latency_ms, digest, proof, response, error, score, fault, ema) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)'),
      upsertState: db.prepare('INSERT INTO state(id, step, epoch, ema, hotkeys) VALUES (1,?,?,?,?) ON CONFLICT(id) DO UPDATE SET step=excluded.step, epoch=excluded.epoch, ema=excluded.ema, hotkeys=excluded.hotkeys'),
      insertPrepared: db.prepare('INSERT INTO weights_prepared(epoch, step, block, scores, uids_json, values_json, version_key) VALUES (?,?,?,?,?,?,?)'),
      insertWeightSet: db.prepare('INSERT INTO weight_sets(epoch, prepared_id, status, block, scheduled_for, included_block, error, attempts, at) VALUES (?,?,?,?,?,?,?,?,?)'),
      upsertSnapshot: db.prepare(
        'INSERT OR REPLACE INTO snapshots(epoch, epoch_block, snapshot_block, exact, input_json, hyperparams_json, hotkeys_json) VALUES (?,?,?,?,?,?,?)',
      ),
      upsertPrediction: db.prepare(
        'INSERT OR REPLACE INTO predictions(epoch, epoch_block, own_uid, predicted_json, reported_json, own_vtrust_predicted, own_vtrust_reported, max_abs_diff) VALUES (?,?,?,?,?,?,?,?)',
      ),
      closeEpoch: db.prepare('UPDATE epochs SET closed = 1, end_block = ? WHERE epoch = ?'),
    };
  }

  beginRun(r: RunRecord): number {
    return this.guard('beginRun', () =>
      Number(this.stmts.insertRun.run(r.startedAt, r.hotkey, r.netuid, r.appVersion, r.scorerName, r.scorerVersion, toJson(r.options)).lastInsertRowid),
    );
  }

  openEpoch(e: EpochOpenRecord): void {
    this.guard('openEpoch', () => {
      this.stmts.insertEpoch.run(
        e.epoch,
        e.runId,
        e.startStep,
        e.startBlock,
        e.startedAt,
        toJson(e.options),
        e.hyperparameters ? toJson(e.hyperparameters) : null,
        e.scorerName,
        e.scorerVersion,
        f64Blob(e.emaStart),
        JSON.stringify(e.hotkeysStart),
      );
    });
  }

  private readonly stepTx = (s: StepRecord): void => {
    const st = this.stmts;
    let ok = 0;
    for (const q of s.queries) if (q.status === 'ok') ok++;
    st.insertStep.run(s.step, s.epoch, s.block, s.seed, s.startedAt, s.durationMs, s.n, s.queries.length, ok, s.faults, blob(s.inputs), blob(s.reference));
    for (const q of s.queries) {
      st.insertQuery.run(s.step, q.uid, s.epoch, q.hotkey, q.status, q.latencyMs, blob(q.digest), blob(q.proof), blob(q.response), q.error, q.score, q.fault, q.ema);
    }
    st.upsertState.run(s.step, s.epoch, f64Blob(s.ema), JSON.stringify(s.hotkeys));
  };
  private stepTxn: ((s: StepRecord) => void) | undefined;

  recordStep(s: StepRecord): void {
    this.guard('recordStep', () => {
      if (!this.stepTxn) this.stepTxn = this.db.transaction(this.stepTx);
      this.stepTxn(s);
    });
  }

  /** Several steps in one transaction (bulk import, benchmarks). */
  recordSteps(ss: readonly StepRecord[]): void {
    this.guard('recordSteps', () => {
      this.db.transaction(() => {
        for (const s of ss) this.stepTx(s);
      })();
    });
  }

  recordWeightsPrepared(w: WeightsPreparedRecord): number {
    return this.guard('recordWeightsPrepared', () =>
      Number(this.stmts.insertPrepared.run(w.epoch, w.step, w.block, f64Blob(w.scores), JSON.stringify(w.uids), JSON.stringify(w.values), w.versionKey).lastInsertRowid),
    );
  }

  recordWeightSet(w: WeightSetRecord): number {
    return this.guard('recordWeightSet', () =>
      Number(this.stmts.insertWeightSet.run(w.epoch, w.preparedId, w.status, w.block, w.scheduledFor, w.includedBlock, w.error, w.attempts, w.at).lastInsertRowid),
    );
  }

  /** Updates a weight-set row in place (a `submitted` row gets its result). */
  updateWeightSet(id: number, patch: Partial<Pick<WeightSetRecord, 'status' | 'includedBlock' | 'error' | 'attempts' | 'block' | 'at'>>): void {
    this.guard('updateWeightSet', () => {
      const cols: string[] = [];
      const vals: unknown[] = [];
      const map: Record<string, string> = { status: 'status', includedBlock: 'included_block', error: 'error', attempts: 'attempts', block: 'block', at: 'at' };
      for (const [k, c] of Object.entries(map)) {
        if (k in patch) {
          cols.push(`${c} = ?`);
          vals.push((patch as Record<string, unknown>)[k] ?? null);
        }
      }
      if (cols.length === 0) return;
      const sql = `UPDATE weight_sets SET ${cols.join(', ')} WHERE id = ?`;
      let st = this.updateCache.get(sql);
      if (!st) {
        st = this.db.prepare(sql);
        this.updateCache.set(sql, st);
      }
      st.run(...vals, id);
    });
  }

  /** weight_commits exists from schema 3 on (a read-only v2 file has none). */
  private get hasCommits(): boolean {
    return this.schemaVersion >= 3;
  }

  recordWeightCommit(c: WeightCommitRecord): number {
    return this.guard('recordWeightCommit', () => {
      const st = this.cached(
        'INSERT INTO weight_commits(epoch, prepared_id, status, block, commit_block, commit_epoch, reveal_epoch, uids_json, values_json, salt_json, version_key, hash, reveal_block, error, attempts, reveal_attempts, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
      );
      return Number(
        st.run(
          c.epoch,
          c.preparedId,
          c.status,
          c.block,
          c.commitBlock,
          c.commitEpoch,
          c.revealEpoch,
          JSON.stringify(c.uids),
          JSON.stringify(c.values),
          JSON.stringify(c.salt),
          c.versionKey,
          c.hash,
          c.revealBlock,
          c.error,
          c.attempts,
          c.revealAttempts,
          c.at,
        ).lastInsertRowid,
      );
    });
  }

  /** Updates a commit row in place (one statement = one transaction). */
  updateWeightCommit(id: number, patch: WeightCommitPatch): void {
    this.guard('updateWeightCommit', () => {
      const map: Record<string, string> = {
        status: 'status',
        commitBlock: 'commit_block',
        commitEpoch: 'commit_epoch',
        revealEpoch: 'reveal_epoch',
        revealBlock: 'reveal_block',
        error: 'error',
        attempts: 'attempts',
        revealAttempts: 'reveal_attempts',
        at: 'at',
      };
      const cols: string[] = [];
      const vals: unknown[] = [];
      for (const [k, c] of Object.entries(map)) {
        if (k in patch) {
          cols.push(`${c} = ?`);
          vals.push((patch as Record<string, unknown>)[k] ?? null);
        }
      }
      if (cols.length === 0) return;
      const r = this.cached(`UPDATE weight_commits SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
      if (r.changes !== 1) throw new SubnetError('LOG_WRITE_FAILED', `validator log ${this.path}: no weight commit ${id}`, { path: this.path, id });
    });
  }

  pendingWeightCommits(): LoggedWeightCommit[] {
    return this.guard('pendingWeightCommits', () =>
      this.hasCommits ? (this.cached("SELECT * FROM weight_commits WHERE status IN ('submitted','committed') ORDER BY id").all() as Row[]).map(commitFromRow) : [],
    );
  }

  weightCommits(): LoggedWeightCommit[] {
    return this.guard('weightCommits', () => (this.hasCommits ? (this.cached('SELECT * FROM weight_commits ORDER BY id').all() as Row[]).map(commitFromRow) : []));
  }

  private cached(sql: string): Database.Statement {
    let st = this.updateCache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.updateCache.set(sql, st);
    }
    return st;
  }

  recordSnapshot(s: SnapshotRecord): void {
    this.guard('recordSnapshot', () => {
      this.stmts.upsertSnapshot.run(s.epoch, s.epochBlock, s.snapshotBlock, s.exact ? 1 : 0, toJson(s.input), toJson(s.hyperparameters), JSON.stringify(s.hotkeys));
    });
  }

  recordPrediction(p: PredictionRecord): void {
    this.guard('recordPrediction', () => {
      this.stmts.upsertPrediction.run(
        p.epoch,
        p.epochBlock,
        p.ownUid,
        toJson(p.predicted),
        p.reported ? toJson(p.reported) : null,
        p.ownVtrustPredicted,
        p.ownVtrustReported,
        p.maxAbsDiff,
      );
    });
  }

  closeEpoch(epoch: number, endBlock: number): void {
    this.guard('closeEpoch', () => {
      this.stmts.closeEpoch.run(endBlock, epoch);
    });
  }

  prune(currentEpoch: number, keepEpochs: number): { responses: number; steps: number } {
    return this.guard('prune', () => {
      const upTo = currentEpoch - keepEpochs;
      if (keepEpochs <= 0 || upTo < 1) return { responses: 0, steps: 0 };
      const r = this.db.transaction(() => {
        const a = this.db.prepare('UPDATE queries SET response = NULL WHERE epoch <= ? AND response IS NOT NULL').run(upTo).changes;
        const b = this.db.prepare('UPDATE steps SET inputs = NULL WHERE epoch <= ? AND inputs IS NOT NULL').run(upTo).changes;
        this.db.prepare('UPDATE epochs SET pruned = 1 WHERE epoch <= ?').run(upTo);
        return { responses: a, steps: b };
      })();
      if (r.responses > 0 || r.steps > 0) this.db.pragma('incremental_vacuum');
      return r;
    });
  }

  resumeState(): ResumeState | null {
    return this.guard('resumeState', () => {
      const st = this.db.prepare('SELECT step, epoch, ema, hotkeys FROM state WHERE id = 1').get() as Row | undefined;
      const last = this.db.prepare('SELECT epoch, closed, ema_start, hotkeys_start FROM epochs ORDER BY epoch DESC LIMIT 1').get() as Row | undefined;
      if (!st && !last) return null;
      const maxStep = (this.db.prepare('SELECT max(step) AS s FROM steps').get() as { s: number | null }).s ?? 0;
      let ema: Float64Array;
      let hotkeys: string[];
      if (st) {
        ema = f64From(st.ema);
        hotkeys = JSON.parse(st.hotkeys as string) as string[];
      } else {
        ema = f64From(last!.ema_start);
        hotkeys = JSON.parse(last!.hotkeys_start as string) as string[];
      }
      const open = last ? (last.closed as number) === 0 : false;
      const epoch = last ? (open ? (last.epoch as number) : (last.epoch as number) + 1) : 1;
      const wb = this.db
        .prepare(
          "SELECT max(CASE WHEN status = 'included' THEN coalesce(included_block, block) WHEN status = 'submitted' THEN block END) AS b FROM weight_sets",
        )
        .get() as { b: number | null };
      let lastWeightBlock = wb.b;
      if (this.hasCommits) {
        // a commit sets LastUpdate like a set: an included one at its block, an unanswered one at the head it was sent at
        const cb = this.db
          .prepare("SELECT max(CASE WHEN status = 'submitted' THEN block WHEN commit_block IS NOT NULL THEN commit_block END) AS b FROM weight_commits")
          .get() as { b: number | null };
        if (cb.b !== null && (lastWeightBlock === null || cb.b > lastWeightBlock)) lastWeightBlock = cb.b;
      }
      return { step: maxStep, epoch, epochOpen: open, ema, hotkeys, lastWeightBlock };
    });
  }

  lastRun(): RunRecord | null {
    return this.guard('lastRun', () => {
      const r = this.db.prepare('SELECT * FROM runs ORDER BY run_id DESC LIMIT 1').get() as Row | undefined;
      if (!r) return null;
      return {
        startedAt: r.started_at as number,
        hotkey: r.hotkey as string,
        netuid: r.netuid as number,
        appVersion: r.app_version as string,
        scorerName: r.scorer_name as string,
        scorerVersion: r.scorer_version as string,
        options: JSON.parse(r.options_json as string) as Record<string, unknown>,
      };
    });
  }

  listEpochs(): EpochSummary[] {
    return this.guard('listEpochs', () => {
      const rows = this.db
        .prepare(
          `SELECT e.epoch, e.start_step, e.start_block, e.end_block, e.closed, e.scorer_name, e.scorer_version,
                  (SELECT count(*) FROM steps s WHERE s.epoch = e.epoch) AS steps,
                  (SELECT count(*) FROM queries q WHERE q.epoch = e.epoch) AS queries,
                  EXISTS (SELECT 1 FROM snapshots p WHERE p.epoch = e.epoch) AS has_snapshot
           FROM epochs e ORDER BY e.epoch`,
        )
        .all() as Row[];
      return rows.map((r) => ({
        epoch: r.epoch as number,
        startStep: r.start_step as number,
        startBlock: r.start_block as number,
        endBlock: (r.end_block as number | null) ?? null,
        steps: r.steps as number,
        queries: r.queries as number,
        closed: (r.closed as number) === 1,
        hasSnapshot: (r.has_snapshot as number) === 1,
        scorerName: r.scorer_name as string,
        scorerVersion: r.scorer_version as string,
      }));
    });
  }

  loadEpoch(epoch: number): EpochLog {
    return this.guard('loadEpoch', () => {
      const e = this.db.prepare('SELECT * FROM epochs WHERE epoch = ?').get(epoch) as Row | undefined;
      if (!e) {
        const range = this.db.prepare('SELECT min(epoch) AS a, max(epoch) AS b FROM epochs').get() as { a: number | null; b: number | null };
        throw new SubnetError(
          'LOG_EPOCH_MISSING',
          range.a === null ? `epoch ${epoch} is not in ${this.path} (the log has no epochs)` : `epoch ${epoch} is not in ${this.path} (it has epochs ${range.a}..${range.b})`,
          { path: this.path, epoch, first: range.a, last: range.b },
        );
      }
      const steps = (this.db.prepare('SELECT * FROM steps WHERE epoch = ? ORDER BY step').all(epoch) as Row[]).map(
        (r): LoggedStep => ({
          step: r.step as number,
          epoch: r.epoch as number,
          block: r.block as number,
          seed: r.seed as number,
          startedAt: r.started_at as number,
          durationMs: r.duration_ms as number,
          n: r.n as number,
          faults: r.faults as number,
          inputs: u8From(r.inputs),
          reference: u8From(r.reference),
        }),
      );
      const seeds = new Map(steps.map((s) => [s.step, s.seed]));
      const queries = (this.db.prepare('SELECT * FROM queries WHERE epoch = ? ORDER BY step, uid').all(epoch) as Row[]).map(
        (r): LoggedQuery => ({
          step: r.step as number,
          epoch: r.epoch as number,
          seed: seeds.get(r.step as number) ?? 0,
          uid: r.uid as number,
          hotkey: r.hotkey as string,
          status: r.status as QueryStatus,
          latencyMs: (r.latency_ms as number | null) ?? null,
          digest: u8From(r.digest),
          proof: u8From(r.proof),
          response: u8From(r.response),
          error: (r.error as string | null) ?? null,
          score: r.score as number,
          fault: (r.fault as string | null) ?? null,
          ema: r.ema as number,
        }),
      );
      const weightsPrepared = (this.db.prepare('SELECT * FROM weights_prepared WHERE epoch = ? ORDER BY id').all(epoch) as Row[]).map(
        (r): LoggedWeightsPrepared => ({
          id: r.id as number,
          epoch: r.epoch as number,
          step: r.step as number,
          block: r.block as number,
          scores: f64From(r.scores),
          uids: JSON.parse(r.uids_json as string) as number[],
          values: JSON.parse(r.values_json as string) as number[],
          versionKey: r.version_key as number,
        }),
      );
      const weightSets = (this.db.prepare('SELECT * FROM weight_sets WHERE epoch = ? ORDER BY id').all(epoch) as Row[]).map(
        (r): LoggedWeightSet => ({
          id: r.id as number,
          epoch: r.epoch as number,
          preparedId: (r.prepared_id as number | null) ?? null,
          status: r.status as WeightSetStatus,
          block: r.block as number,
          scheduledFor: (r.scheduled_for as number | null) ?? null,
          includedBlock: (r.included_block as number | null) ?? null,
          error: (r.error as string | null) ?? null,
          attempts: r.attempts as number,
          at: r.at as number,
        }),
      );
      const sn = this.db.prepare('SELECT * FROM snapshots WHERE epoch = ?').get(epoch) as Row | undefined;
      const snapshot: SnapshotRecord | null = sn
        ? {
            epoch,
            epochBlock: sn.epoch_block as number,
            snapshotBlock: sn.snapshot_block as number,
            exact: (sn.exact as number) === 1,
            input: JSON.parse(sn.input_json as string) as EpochInput,
            hyperparameters: JSON.parse(sn.hyperparams_json as string) as Hyperparameters,
            hotkeys: JSON.parse(sn.hotkeys_json as string) as string[],
          }
        : null;
      const pr = this.db.prepare('SELECT * FROM predictions WHERE epoch = ?').get(epoch) as Row | undefined;
      const prediction: PredictionRecord | null = pr
        ? {
            epoch,
            epochBlock: pr.epoch_block as number,
            ownUid: (pr.own_uid as number | null) ?? null,
            predicted: JSON.parse(pr.predicted_json as string) as EpochOutput,
            reported: pr.reported_json ? (JSON.parse(pr.reported_json as string) as ChainReported) : null,
            ownVtrustPredicted: (pr.own_vtrust_predicted as number | null) ?? null,
            ownVtrustReported: (pr.own_vtrust_reported as number | null) ?? null,
            maxAbsDiff: (pr.max_abs_diff as number | null) ?? null,
          }
        : null;
      return {
        epoch,
        startStep: e.start_step as number,
        startBlock: e.start_block as number,
        endBlock: (e.end_block as number | null) ?? null,
        closed: (e.closed as number) === 1,
        options: JSON.parse(e.options_json as string) as Record<string, unknown>,
        hyperparameters: e.hyperparams_json ? (JSON.parse(e.hyperparams_json as string) as Hyperparameters) : null,
        scorerName: e.scorer_name as string,
        scorerVersion: e.scorer_version as string,
        emaStart: f64From(e.ema_start),
        hotkeysStart: JSON.parse(e.hotkeys_start as string) as string[],
        steps,
        queries,
        weightsPrepared,
        weightSets,
        snapshot,
        prediction,
      };
    });
  }

  /** PRAGMA integrity_check result ('ok' when sound). */
  integrityCheck(): string {
    return this.guard('integrityCheck', () => String(this.db.pragma('integrity_check', { simple: true })));
  }

  /** The application_id of the open file. */
  get applicationId(): number {
    return this.db.pragma('application_id', { simple: true }) as number;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Opens a validator log (see SqliteLogStore). */
export function openLogStore(path: string, opts: Partial<SqliteLogOptions> = {}): SqliteLogStore {
  return new SqliteLogStore(path, opts);
}

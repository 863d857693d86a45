/**
 * The validator log's SQLite schema, versioned with `PRAGMA user_version` and recognised by
 * `PRAGMA application_id`. Migrations run in order, each in its own transaction; a database whose
 * user_version is newer than LATEST_SCHEMA_VERSION is refused (LOG_NEWER_SCHEMA).
 * Documented in docs/validator.md ("The SQLite log").
 */

/** 'SBVL' (subnet validator log) as a big-endian int32: PRAGMA application_id. */
export const APPLICATION_ID = 0x5342564c;

export interface Migration {
  /** the user_version this migration brings the database to */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE runs (
  run_id         INTEGER PRIMARY KEY,
  started_at     INTEGER NOT NULL,
  hotkey         TEXT NOT NULL,
  netuid         INTEGER NOT NULL,
  app_version    TEXT NOT NULL,
  scorer_name    TEXT NOT NULL,
  scorer_version TEXT NOT NULL,
  options_json   TEXT NOT NULL
);
CREATE TABLE epochs (
  epoch            INTEGER PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES runs(run_id),
  start_step       INTEGER NOT NULL,
  start_block      INTEGER NOT NULL,
  end_block        INTEGER,
  started_at       INTEGER NOT NULL,
  closed           INTEGER NOT NULL DEFAULT 0,
  options_json     TEXT NOT NULL,
  hyperparams_json TEXT,
  scorer_name      TEXT NOT NULL,
  scorer_version   TEXT NOT NULL,
  ema_start        BLOB NOT NULL,
  hotkeys_start    TEXT NOT NULL
);
CREATE TABLE steps (
  step        INTEGER PRIMARY KEY,
  epoch       INTEGER NOT NULL REFERENCES epochs(epoch),
  block       INTEGER NOT NULL,
  seed        INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  n           INTEGER NOT NULL,
  queried     INTEGER NOT NULL,
  ok          INTEGER NOT NULL,
  faults      INTEGER NOT NULL,
  inputs      BLOB,
  reference   BLOB
);
CREATE INDEX steps_epoch ON steps(epoch);
CREATE TABLE queries (
  step       INTEGER NOT NULL REFERENCES steps(step),
  uid        INTEGER NOT NULL,
  epoch      INTEGER NOT NULL,
  hotkey     TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('ok','timeout','error','invalid','no_axon')),
  latency_ms REAL,
  digest     BLOB,
  proof      BLOB,
  response   BLOB,
  error      TEXT,
  score      REAL NOT NULL CHECK (score >= 0 AND score <= 1),
  fault      TEXT,
  ema        REAL NOT NULL,
  PRIMARY KEY (step, uid)
);
CREATE TABLE state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  step    INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,
  ema     BLOB NOT NULL,
  hotkeys TEXT NOT NULL
);
CREATE TABLE weights_prepared (
  id          INTEGER PRIMARY KEY,
  epoch       INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  block       INTEGER NOT NULL,
  scores      BLOB NOT NULL,
  uids_json   TEXT NOT NULL,
  values_json TEXT NOT NULL,
  version_key INTEGER NOT NULL
);
CREATE TABLE weight_sets (
  id             INTEGER PRIMARY KEY,
  epoch          INTEGER NOT NULL,
  prepared_id    INTEGER REFERENCES weights_prepared(id),
  status         TEXT NOT NULL CHECK (status IN ('scheduled','submitted','included','rejected','failed')),
  block          INTEGER NOT NULL,
  scheduled_for  INTEGER,
  included_block INTEGER,
  error          TEXT,
  attempts       INTEGER NOT NULL,
  at             INTEGER NOT NULL
);
CREATE TABLE snapshots (
  epoch            INTEGER PRIMARY KEY REFERENCES epochs(epoch),
  epoch_block      INTEGER NOT NULL,
  snapshot_block   INTEGER NOT NULL,
  exact            INTEGER NOT NULL,
  input_json       TEXT NOT NULL,
  hyperparams_json TEXT NOT NULL,
  hotkeys_json     TEXT NOT NULL
);
CREATE TABLE predictions (
  epoch                INTEGER PRIMARY KEY REFERENCES epochs(epoch),
  epoch_block          INTEGER NOT NULL,
  own_uid              INTEGER,
  predicted_json       TEXT NOT NULL,
  reported_json        TEXT,
  own_vtrust_predicted INTEGER,
  own_vtrust_reported  INTEGER,
  max_abs_diff         INTEGER
);
`,
  },
  {
    version: 2,
    description: 'query lookups by epoch (replay) and pruning bookkeeping',
    sql: `
CREATE INDEX queries_epoch ON queries(epoch, step);
ALTER TABLE epochs ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 3,
    description: 'hash-based commit-reveal (CRv2): one row per weight commit, with its salt, until revealed or expired',
    sql: `
CREATE TABLE weight_commits (
  id              INTEGER PRIMARY KEY,
  epoch           INTEGER NOT NULL,
  prepared_id     INTEGER REFERENCES weights_prepared(id),
  status          TEXT NOT NULL CHECK (status IN ('submitted','committed','rejected','failed','revealed','reveal_rejected','expired')),
  block           INTEGER NOT NULL,
  commit_block    INTEGER,
  commit_epoch    INTEGER,
  reveal_epoch    INTEGER,
  uids_json       TEXT NOT NULL,
  values_json     TEXT NOT NULL,
  salt_json       TEXT NOT NULL,
  version_key     INTEGER NOT NULL,
  hash            TEXT NOT NULL,
  reveal_block    INTEGER,
  error           TEXT,
  attempts        INTEGER NOT NULL,
  reveal_attempts INTEGER NOT NULL DEFAULT 0,
  at              INTEGER NOT NULL
);
CREATE INDEX weight_commits_status ON weight_commits(status);
`,
  },
];

/**
 * The oldest schema a read-only open accepts (replay of logs written before a migration that only
 * adds tables the read APIs treat as optional: v3's weight_commits reads as empty on a v2 file).
 */
export const READONLY_MIN_SCHEMA_VERSION = 2;

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

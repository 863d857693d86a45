/**
 * ChainStore over SQLite (better-sqlite3): the latest state, the recent blocks, a meta table with
 * a magic value so a foreign or corrupt file is refused with a clear error.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { SubnetError } from '../shared/errors';
import type { ChainStore, StoredBlock, StoredHead } from './interface';

const MAGIC = 'subnet-chain-mock';
const SCHEMA = '1';

export class SqliteChainStore implements ChainStore {
  private readonly db: Database.Database;
  private readonly keepBlocks: number;
  private readonly stmts: {
    putState: Database.Statement;
    delState: Database.Statement;
    putBlock: Database.Statement;
    pruneBlocks: Database.Statement;
    setMeta: Database.Statement;
  };
  private readonly commitTx: (block: StoredBlock, changes: [string, Uint8Array | undefined][]) => void;

  constructor(
    readonly path: string,
    opts: { keepBlocks?: number; runtimeTag?: string } = {},
  ) {
    this.keepBlocks = opts.keepBlocks ?? 4096;
    if (existsSync(path)) {
      let head = '';
      let size = 0;
      try {
        size = statSync(path).size;
        const fd = openSync(path, 'r');
        try {
          const buf = Buffer.alloc(16);
          readSync(fd, buf, 0, 16, 0);
          head = buf.toString('latin1');
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        throw new SubnetError('CHAIN_DB_OPEN', `cannot read ${path}: ${(e as Error).message}`, { path, code: (e as NodeJS.ErrnoException).code }, { cause: e });
      }
      if (size > 0 && head !== 'SQLite format 3\u0000') throw new SubnetError('CHAIN_DB_CORRUPT', `${path} is not a SQLite database`, { path });
    }
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      const tables = this.db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[];
      const names = new Set(tables.map((t) => t.name));
      if (names.size > 0) {
        if (!names.has('meta')) throw new SubnetError('CHAIN_DB_FOREIGN', `${path} is a SQLite database of something else (no chain-mock meta table)`, { path, tables: [...names] });
        const magic = this.db.prepare(`SELECT value FROM meta WHERE key='magic'`).get() as { value: string } | undefined;
        if (!magic || magic.value !== MAGIC) throw new SubnetError('CHAIN_DB_FOREIGN', `${path} was not written by the local chain`, { path });
        const schema = this.db.prepare(`SELECT value FROM meta WHERE key='schema'`).get() as { value: string } | undefined;
        if (schema?.value !== SCHEMA) throw new SubnetError('CHAIN_DB_SCHEMA', `${path} has chain schema ${schema?.value}, expected ${SCHEMA}`, { path });
        if (opts.runtimeTag) {
          const tag = this.db.prepare(`SELECT value FROM meta WHERE key='runtime'`).get() as { value: string } | undefined;
          if (tag && tag.value !== opts.runtimeTag) throw new SubnetError('CHAIN_DB_SCHEMA', `${path} was written by runtime ${tag.value}, this is ${opts.runtimeTag}`, { path });
        }
      } else {
        this.db.exec(`
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
          CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, header BLOB NOT NULL, extrinsics TEXT NOT NULL);
        `);
        const put = this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
        put.run('magic', MAGIC);
        put.run('schema', SCHEMA);
        if (opts.runtimeTag) put.run('runtime', opts.runtimeTag);
      }
    } catch (e) {
      if (e instanceof SubnetError) {
        this.tryClose();
        throw e;
      }
      this.tryClose();
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new SubnetError('CHAIN_DB_CORRUPT', `${path} is corrupt or not a SQLite database`, { path, code }, { cause: e });
      throw new SubnetError('CHAIN_DB_OPEN', `cannot open ${path}: ${(e as Error).message}`, { path, code }, { cause: e });
    }
    this.stmts = {
      putState: this.db.prepare(`INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      delState: this.db.prepare(`DELETE FROM state WHERE key = ?`),
      putBlock: this.db.prepare(`INSERT OR REPLACE INTO blocks (number, hash, header, extrinsics) VALUES (?, ?, ?, ?)`),
      pruneBlocks: this.db.prepare(`DELETE FROM blocks WHERE number < ? AND number > 0`),
      setMeta: this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
    };
    this.commitTx = this.db.transaction((block: StoredBlock, changes: [string, Uint8Array | undefined][]) => {
      for (const [k, v] of changes) {
        if (v === undefined) this.stmts.delState.run(k);
        else this.stmts.putState.run(k, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      }
      this.stmts.putBlock.run(block.number, block.hash, Buffer.from(block.header), JSON.stringify(block.extrinsics));
      this.stmts.setMeta.run('best', String(block.number));
      if (block.number % 256 === 0) this.stmts.pruneBlocks.run(block.number - this.keepBlocks);
    });
  }

  private tryClose(): void {
    try {
      (this as unknown as { db?: Database.Database }).db?.close();
    } catch {
      /* already closed */
    }
  }

  load(): StoredHead | null {
    const best = this.db.prepare(`SELECT value FROM meta WHERE key='best'`).get() as { value: string } | undefined;
    const genesis = this.db.prepare(`SELECT value FROM meta WHERE key='genesis'`).get() as { value: string } | undefined;
    if (!best || !genesis) return null;
    const row = this.db.prepare(`SELECT number, hash, header, extrinsics FROM blocks WHERE number = ?`).get(Number(best.value)) as
      | { number: number; hash: string; header: Buffer; extrinsics: string }
      | undefined;
    if (!row) throw new SubnetError('CHAIN_DB_CORRUPT', `${this.path}: best block ${best.value} is missing`, { path: this.path });
    const recent = (this.db.prepare(`SELECT number, hash FROM blocks ORDER BY number DESC LIMIT ?`).all(this.keepBlocks) as { number: number; hash: string }[]).map(
      (r) => [r.number, r.hash] as [number, string],
    );
    const stateRows = this.db.prepare(`SELECT key, value FROM state`).iterate() as IterableIterator<{ key: string; value: Buffer }>;
    const state = (function* () {
      for (const r of stateRows) yield [r.key, new Uint8Array(r.value)] as [string, Uint8Array];
    })();
    return {
      genesisHash: genesis.value,
      best: { number: row.number, hash: row.hash, header: new Uint8Array(row.header), extrinsics: JSON.parse(row.extrinsics) as string[] },
      recentHashes: recent,
      state,
    };
  }

  init(genesisHash: string, genesis: StoredBlock, state: Iterable<[string, Uint8Array]>): void {
    this.db.transaction(() => {
      for (const [k, v] of state) this.stmts.putState.run(k, Buffer.from(v));
      this.stmts.putBlock.run(genesis.number, genesis.hash, Buffer.from(genesis.header), JSON.stringify(genesis.extrinsics));
      this.stmts.setMeta.run('genesis', genesisHash);
      this.stmts.setMeta.run('best', String(genesis.number));
    })();
  }

  commitBlock(block: StoredBlock, changes: Iterable<[string, Uint8Array | undefined]>): void {
    this.commitTx(block, [...changes]);
  }

  close(): void {
    this.tryClose();
  }
}

/**
 * The chain's key/value state: raw SCALE bytes by hex storage key, a decoded-value cache, nested
 * transactional layers (a failed dispatch rolls back), and per-block undo journals so reads at a
 * recent block (`.at(hash)`) cost a walk over at most `historyBlocks` small maps.
 * Nothing is re-encoded per block: a block records only the keys it changed.
 */
import { decode, encode } from './scale';
import { storageKeyHex, type Runtime, type StorageItem } from './runtime/metadata';

type Prev = Uint8Array | undefined;

export interface BlockDiff {
  number: number;
  /** key → value before this block (undefined = absent) */
  undo: Map<string, Prev>;
}

export class State {
  private readonly cur = new Map<string, Uint8Array>();
  private readonly cache = new Map<string, unknown>();
  /** nested transactional layers: key → value before the layer */
  private readonly layers: Map<string, Prev>[] = [];
  /** the block being built: key → value before the block */
  private block = new Map<string, Prev>();
  /** finished blocks, oldest first */
  private readonly history: BlockDiff[] = [];

  constructor(
    readonly rt: Runtime,
    readonly historyBlocks = 256,
  ) {}

  get size(): number {
    return this.cur.size;
  }

  // ---- raw access -------------------------------------------------------------------------

  getRaw(key: string): Uint8Array | undefined {
    return this.cur.get(key);
  }

  setRaw(key: string, value: Uint8Array | undefined, decoded?: unknown): void {
    const prev = this.cur.get(key);
    if (!this.block.has(key)) this.block.set(key, prev);
    const top = this.layers[this.layers.length - 1];
    if (top && !top.has(key)) top.set(key, prev);
    if (value === undefined) {
      this.cur.delete(key);
      this.cache.delete(key);
    } else {
      this.cur.set(key, value);
      if (decoded !== undefined) this.cache.set(key, decoded);
      else this.cache.delete(key);
    }
  }

  /** Raw value at an older block (number ≤ head), or undefined when the block is out of history. */
  getRawAt(key: string, number: number, head: number): { known: boolean; value: Uint8Array | undefined } {
    if (number >= head) return { known: true, value: this.cur.get(key) };
    const oldest = this.history.length ? this.history[0].number : head;
    if (number < oldest - 1) return { known: false, value: undefined };
    let value = this.cur.get(key);
    for (let i = this.history.length - 1; i >= 0 && this.history[i].number > number; i--) {
      const u = this.history[i].undo;
      if (u.has(key)) value = u.get(key);
    }
    return { known: true, value };
  }

  /** Keys with a prefix at head or an older block, sorted. */
  keysWithPrefix(prefix: string, number?: number, head?: number): string[] {
    const keys = new Set<string>();
    for (const k of this.cur.keys()) if (k.startsWith(prefix)) keys.add(k);
    if (number !== undefined && head !== undefined && number < head) {
      for (let i = this.history.length - 1; i >= 0 && this.history[i].number > number; i--) {
        for (const k of this.history[i].undo.keys()) if (k.startsWith(prefix)) keys.add(k);
      }
      return [...keys].filter((k) => this.getRawAt(k, number, head).value !== undefined).sort();
    }
    return [...keys].sort();
  }

  /** Loads a stored state wholesale (restart): no journal entries. */
  load(entries: Iterable<[string, Uint8Array]>): void {
    this.cur.clear();
    this.cache.clear();
    for (const [k, v] of entries) this.cur.set(k, v);
  }

  entries(): IterableIterator<[string, Uint8Array]> {
    return this.cur.entries();
  }

  // ---- typed access -----------------------------------------------------------------------

  item(pallet: string, name: string): StorageItem {
    return this.rt.storageItem(pallet, name);
  }

  key(pallet: string, name: string, keys: unknown[] = []): string {
    return storageKeyHex(this.item(pallet, name), keys);
  }

  /** Typed read: the stored value, the Default fallback, or null for a missing Optional. */
  get<T = any>(pallet: string, name: string, ...keys: unknown[]): T {
    const item = this.item(pallet, name);
    const k = storageKeyHex(item, keys);
    return this.getByKey(item, k) as T;
  }

  getByKey(item: StorageItem, k: string): unknown {
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit;
    const raw = this.cur.get(k);
    if (raw === undefined) return item.def.modifier === 'Default' ? item.def.fallback : null;
    const v = decode(item.def.value, raw);
    this.cache.set(k, v);
    return v;
  }

  has(pallet: string, name: string, ...keys: unknown[]): boolean {
    return this.cur.has(this.key(pallet, name, keys));
  }

  /** Typed write. Values are treated as immutable once written. */
  set(pallet: string, name: string, keys: unknown[], value: unknown): void {
    const item = this.item(pallet, name);
    this.setRaw(storageKeyHex(item, keys), encode(item.def.value, value), value);
  }

  remove(pallet: string, name: string, ...keys: unknown[]): void {
    this.setRaw(this.key(pallet, name, keys), undefined);
  }

  // ---- layers and blocks ------------------------------------------------------------------

  begin(): void {
    this.layers.push(new Map());
  }

  commit(): void {
    const top = this.layers.pop();
    const below = this.layers[this.layers.length - 1];
    if (top && below) for (const [k, v] of top) if (!below.has(k)) below.set(k, v);
  }

  rollback(): void {
    const top = this.layers.pop();
    if (!top) return;
    for (const [k, v] of top) {
      if (v === undefined) this.cur.delete(k);
      else this.cur.set(k, v);
      this.cache.delete(k);
    }
  }

  /** Closes the block being built: returns the changed keys and keeps its undo journal. */
  sealBlock(number: number): Map<string, Prev> {
    const undo = this.block;
    this.block = new Map();
    this.history.push({ number, undo });
    while (this.history.length > this.historyBlocks) this.history.shift();
    return undo;
  }

  /** Drops the block being built (used when a produced block is abandoned). */
  discardBlock(): void {
    for (const [k, v] of this.block) {
      if (v === undefined) this.cur.delete(k);
      else this.cur.set(k, v);
      this.cache.delete(k);
    }
    this.block = new Map();
  }

  oldestHistoryBlock(): number | null {
    return this.history.length ? this.history[0].number : null;
  }
}

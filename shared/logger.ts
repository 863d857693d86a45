/**
 * The Logger interface used everywhere below the CLI: structured context, no console.
 * The CLI (composition root) binds it to pino; tests pass `nullLogger` or a recording logger.
 */
export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(msg: string, ctx?: LogContext): void;
  info(msg: string, ctx?: LogContext): void;
  warn(msg: string, ctx?: LogContext): void;
  error(msg: string, ctx?: LogContext): void;
  child(bindings: LogContext): Logger;
}

export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** A logger that keeps every record in memory (tests). */
export class MemoryLogger implements Logger {
  readonly records: { level: string; msg: string; ctx: LogContext }[];
  private readonly bindings: LogContext;

  constructor(bindings: LogContext = {}, records: { level: string; msg: string; ctx: LogContext }[] = []) {
    this.bindings = bindings;
    this.records = records;
  }
  private push(level: string, msg: string, ctx?: LogContext): void {
    this.records.push({ level, msg, ctx: { ...this.bindings, ...ctx } });
  }
  debug(msg: string, ctx?: LogContext): void { this.push('debug', msg, ctx); }
  info(msg: string, ctx?: LogContext): void { this.push('info', msg, ctx); }
  warn(msg: string, ctx?: LogContext): void { this.push('warn', msg, ctx); }
  error(msg: string, ctx?: LogContext): void { this.push('error', msg, ctx); }
  child(bindings: LogContext): Logger {
    return new MemoryLogger({ ...this.bindings, ...bindings }, this.records);
  }
}

/** Adapts a pino logger (msg last) to our interface (msg first). */
export function fromPino(p: {
  debug(o: object, m: string): void;
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
  child(b: object): unknown;
}): Logger {
  return {
    debug: (m, c) => p.debug(c ?? {}, m),
    info: (m, c) => p.info(c ?? {}, m),
    warn: (m, c) => p.warn(c ?? {}, m),
    error: (m, c) => p.error(c ?? {}, m),
    child: (b) => fromPino(p.child(b) as Parameters<typeof fromPino>[0]),
  };
}

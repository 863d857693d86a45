/**
 * Errors carry a stable `code` and typed `context` (lodestar's LodestarError, ws's err.code).
 * Tests assert the code, never the message text.
 */
export class SubnetError<Code extends string = string, Ctx extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly context: Ctx;

  constructor(code: Code, message: string, context?: Ctx, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SubnetError';
    this.code = code;
    this.context = (context ?? {}) as Ctx;
  }

  toJSON(): { code: Code; message: string; context: Ctx } {
    return { code: this.code, message: this.message, context: this.context };
  }
}

/** True when `err` is a SubnetError with the given code. */
export function isSubnetError<C extends string>(err: unknown, code?: C): err is SubnetError<C> {
  return err instanceof SubnetError && (code === undefined || err.code === code);
}

/** A cancellation, as thrown by aborted AbortSignals. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** Message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

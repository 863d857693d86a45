import { SubnetError } from '../errors';
import { Close, closeName, type CloseCode } from './codes';

/**
 * A protocol violation that ends the connection. `close` is the WebSocket close code to send
 * (or the one received); `code` is `protocol.<close name>` so tests can assert either.
 */
export class ProtocolError extends SubnetError<string, { close: number } & Record<string, unknown>> {
  readonly close: CloseCode;
  constructor(close: CloseCode, message: string, context: Record<string, unknown> = {}) {
    super(`protocol.${closeName(close) ?? 'unknown'}`, message, { ...context, close });
    this.name = 'ProtocolError';
    this.close = close;
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}

/** A malformed application message inside an authenticated frame: answered with status 400, the connection stays. */
export class BadMessageError extends SubnetError<'protocol.bad_message', { id?: number; field?: string } & Record<string, unknown>> {
  constructor(message: string, context: { id?: number; field?: string } & Record<string, unknown> = {}) {
    super('protocol.bad_message', message, context);
    this.name = 'BadMessageError';
  }
}

export { Close };

/**
 * An error the CLI prints as one line (`subnet: <message>`) before exiting with `exitCode`.
 * Commands throw it for bad input; anything else is a bug and gets a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

import { SubnetError } from '../errors';

/** Error codes of the simulator (tests assert these, never the message text). */
export const SimulateErrorCode = {
  /** the scenario text is not JSON */
  BAD_JSON: 'SIMULATE_BAD_JSON',
  /** a scenario field is missing, unknown, of the wrong type or out of range; context.field names it */
  BAD_SCENARIO: 'SIMULATE_BAD_SCENARIO',
  /** the consensus function returned something unusable (a bug upstream of the simulator) */
  BAD_EPOCH_OUTPUT: 'SIMULATE_BAD_EPOCH_OUTPUT',
} as const;
export type SimulateErrorCode = (typeof SimulateErrorCode)[keyof typeof SimulateErrorCode];

export class SimulateError extends SubnetError<SimulateErrorCode, { field?: string; [k: string]: unknown }> {}

export function badScenario(field: string, message: string): SimulateError {
  return new SimulateError(SimulateErrorCode.BAD_SCENARIO, `scenario field "${field}": ${message}`, { field });
}

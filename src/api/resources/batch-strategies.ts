/** Write strategies of the batch/v1 resources, keyed by resource name. */
import type { Strategy } from "../types.ts";

/** Strategies of batch/v1 resources by resource name. */
export function batchStrategies(): Record<string, Strategy> {
  return {};
}

/**
 * Write strategies (defaulting, validation, create/update preparation) of the
 * core resources, keyed by resource name.
 */
import type { Strategy } from "../types.ts";

/** Strategies of core/v1 resources by resource name. */
export function coreStrategies(): Record<string, Strategy> {
  return {};
}

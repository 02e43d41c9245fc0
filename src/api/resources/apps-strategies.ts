/** Write strategies of the apps/v1 resources, keyed by resource name. */
import type { Strategy } from "../types.ts";

/** Strategies of apps/v1 resources by resource name. */
export function appsStrategies(): Record<string, Strategy> {
  return {};
}

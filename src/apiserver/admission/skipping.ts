/**
 * Admission methods that pass over the writes they have nothing to do with
 * without a promise. runWriteStages awaits only what a plugin returns, so a
 * plugin whose `async` method returned early would still cost every write a
 * promise and an await.
 */
import type { AdmissionAttributes } from "../pipeline.ts";

/** An admit/validate method: `skip` decides synchronously; `run` does the work. */
export function skipping(
  skip: (attrs: AdmissionAttributes) => boolean,
  run: (attrs: AdmissionAttributes) => Promise<void> | void,
): (attrs: AdmissionAttributes) => Promise<void> | void {
  return (attrs) => (skip(attrs) ? undefined : run(attrs));
}

/**
 * fn(value) at once when value is at hand (a cache hit: no promise), else
 * once it resolves.
 */
export function thenNow<T>(value: T | Promise<T>, fn: (value: T) => void): Promise<void> | void {
  if (value instanceof Promise) return value.then(fn);
  fn(value);
}

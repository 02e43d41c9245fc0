/**
 * Admission methods answer without a promise when they can (see
 * AdmissionPlugin in pipeline.ts): a write a plugin passes over, or one whose
 * data is cached, costs no promise and no await.
 */

/**
 * fn(value) at once when value is at hand (a cache hit: no promise), else
 * once it resolves.
 */
export function thenNow<T>(value: T | Promise<T>, fn: (value: T) => void): Promise<void> | void {
  if (value instanceof Promise) return value.then(fn);
  fn(value);
}

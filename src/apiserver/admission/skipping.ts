/**
 * Admission methods that pass over the writes they have nothing to do with
 * without a promise. runWriteStages awaits only what a plugin returns, so a
 * plugin whose `async` method returned early still cost every write a
 * promise and an await (14 of them per ConfigMap create before this).
 */
import type { AdmissionAttributes } from "../pipeline.ts";

/** An admit/validate method: `skip` decides synchronously; `run` does the work. */
export function skipping(
  skip: (attrs: AdmissionAttributes) => boolean,
  run: (attrs: AdmissionAttributes) => Promise<void>,
): (attrs: AdmissionAttributes) => Promise<void> | undefined {
  return (attrs) => (skip(attrs) ? undefined : run(attrs));
}

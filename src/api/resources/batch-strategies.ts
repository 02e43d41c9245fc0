/**
 * Write strategies of the batch/v1 resources, keyed by resource name. Same
 * contract as core-strategies.ts: validate covers ObjectMeta too.
 * The Job's generated selector is set in prepareForCreate, which must run
 * after metadata.uid and metadata.name (from generateName) are assigned.
 */
import type { Strategy } from "../types.ts";
import { defaultCronJob, defaultJob, generateJobSelector } from "../defaults/batch.ts";
import { chain, statusSplit } from "../defaults/status.ts";
import {
  validateCronJob,
  validateCronJobUpdate,
  validateJob,
  validateJobUpdate,
} from "../validation/batch.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Strategies of batch/v1 resources by resource name. */
export function batchStrategies(): Record<string, Strategy> {
  const jobSplit = statusSplit({ statusOnCreate: () => ({}) });
  const cronSplit = statusSplit({ statusOnCreate: () => ({}) });
  return {
    cronjobs: {
      defaults: defaultCronJob,
      validate: validateCronJob,
      validateUpdate: validateCronJobUpdate,
      ...cronSplit,
      validateStatusUpdate: validateMetaUpdate,
    },
    jobs: {
      defaults: defaultJob,
      validate: validateJob,
      validateUpdate: validateJobUpdate,
      ...jobSplit,
      prepareForCreate: chain(jobSplit.prepareForCreate, generateJobSelector),
      validateStatusUpdate: validateMetaUpdate,
    },
  };
}

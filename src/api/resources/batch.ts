/** The batch/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";
import { intField } from "./core-field-selectors.ts";
import { batchStrategies } from "./batch-strategies.ts";

/** Every batch/v1 resource definition. */
export function batchResources(): ResourceDef[] {
  const v = { group: "batch", version: "v1" } as const;
  const s = batchStrategies();
  return [
    {
      ...v,
      resource: "cronjobs",
      singular: "cronjob",
      kind: "CronJob",
      namespaced: true,
      shortNames: ["cj"],
      categories: ["all"],
      subresources: [statusSubresource("CronJob")],
      strategy: s.cronjobs,
      hasGeneration: true,
    },
    {
      ...v,
      resource: "jobs",
      singular: "job",
      kind: "Job",
      namespaced: true,
      categories: ["all"],
      subresources: [statusSubresource("Job")],
      strategy: s.jobs,
      fieldSelectors: { "status.successful": intField("status.succeeded") },
      hasGeneration: true,
    },
  ];
}

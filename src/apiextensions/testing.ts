/** Fixtures for CRD tests: the CronTab example in k8ts's own words. */
import type { CustomResourceDefinition } from "./types.ts";

/** A CronTab CRD (stable.example.com) with a schema, rules, columns, status and scale. */
export function cronTabCRD(
  overrides: { scope?: "Namespaced" | "Cluster" } = {},
): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: overrides.scope ?? "Namespaced",
      names: {
        plural: "crontabs",
        singular: "crontab",
        kind: "CronTab",
        shortNames: ["ct"],
        categories: ["all"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "A CronTab runs an image on a schedule.",
              properties: {
                spec: {
                  type: "object",
                  description: "What to run and when.",
                  "x-kubernetes-validations": [
                    {
                      rule: "self.replicas <= self.maxReplicas",
                      message: "replicas must not exceed maxReplicas",
                    },
                    {
                      rule: "self.image == oldSelf.image || !has(oldSelf.locked) || !oldSelf.locked",
                      message: "image is locked",
                    },
                  ],
                  required: ["cronSpec"],
                  properties: {
                    cronSpec: {
                      type: "string",
                      description: "The schedule, in cron format.",
                      pattern: "^(\\S+ ){4}\\S+$",
                    },
                    image: { type: "string", description: "The image to run." },
                    replicas: { type: "integer", minimum: 0, default: 1 },
                    maxReplicas: { type: "integer", default: 10 },
                    locked: { type: "boolean" },
                    color: { type: "string", enum: ["red", "green", "blue"], default: "green" },
                    port: { "x-kubernetes-int-or-string": true },
                    tags: {
                      type: "array",
                      items: { type: "string" },
                      "x-kubernetes-list-type": "set",
                    },
                  },
                },
                status: {
                  type: "object",
                  properties: { replicas: { type: "integer" }, selector: { type: "string" } },
                },
              },
            },
          },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.selector",
            },
          },
          additionalPrinterColumns: [
            { name: "Spec", type: "string", jsonPath: ".spec.cronSpec" },
            { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          selectableFields: [{ jsonPath: ".spec.color" }],
        },
      ],
    },
  };
}

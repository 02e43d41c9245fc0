import { test } from "node:test";
import type { KObject } from "../types.ts";
import { assertErrors, createErrors, updateErrors, type Expect } from "./testing.ts";
import { isCronSchedule } from "./batch.ts";
import assert from "node:assert/strict";

type Mutate = (o: any) => void;

function job(mutate: Mutate = () => {}): KObject {
  const o: any = {
    metadata: { name: "pi", namespace: "default", uid: "uid-1" },
    spec: {
      template: { spec: { containers: [{ name: "c", image: "perl" }], restartPolicy: "Never" } },
    },
  };
  mutate(o);
  return o;
}

test("job validation", () => {
  const cases: [string, Mutate, Expect][] = [
    ["valid", () => {}, []],
    [
      "restartPolicy Always is rejected",
      (o) => delete o.spec.template.spec.restartPolicy,
      [
        [
          "spec.template.spec.restartPolicy",
          'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        ],
      ],
    ],
    [
      "negative backoffLimit",
      (o) => (o.spec.backoffLimit = -1),
      [["spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0"]],
    ],
    [
      "manual selector must match",
      (o) => {
        o.spec.manualSelector = true;
        o.spec.selector = { matchLabels: { a: "b" } };
      },
      [
        [
          "spec.template.metadata.labels",
          "Invalid value: map[string]string(nil): `selector` does not match template `labels`",
        ],
      ],
    ],
  ];
  for (const [name, mutate, want] of cases)
    assertErrors(createErrors("batch", "jobs", job(mutate)), want, name);
});

test("job template and selector are immutable", () => {
  const old = job();
  createErrors("batch", "jobs", old);
  const changed = structuredClone(old) as any;
  changed.spec.template.spec.containers[0].image = "perl:2";
  assertErrors(
    updateErrors("batch", "jobs", changed, old),
    [["spec.template", /field is immutable$/]],
    "template",
  );
  const parallel = structuredClone(old) as any;
  parallel.spec.parallelism = 3;
  assertErrors(updateErrors("batch", "jobs", parallel, old), [], "parallelism");
});

test("cronjob validation", () => {
  const cron = (mutate: Mutate): KObject => {
    const o: any = {
      metadata: { name: "hello", namespace: "default" },
      spec: {
        schedule: "*/5 * * * *",
        jobTemplate: {
          spec: {
            template: {
              spec: { containers: [{ name: "c", image: "b" }], restartPolicy: "OnFailure" },
            },
          },
        },
      },
    };
    mutate(o);
    return o;
  };
  const cases: [string, Mutate, Expect][] = [
    ["valid", () => {}, []],
    ["schedule required", (o) => delete o.spec.schedule, [["spec.schedule", "Required value"]]],
    [
      "bad schedule",
      (o) => (o.spec.schedule = "every minute"),
      [["spec.schedule", 'Invalid value: "every minute": unparseable schedule: every minute']],
    ],
    [
      "long name",
      (o) => (o.metadata.name = "a".repeat(53)),
      [["metadata.name", /must be no more than 52 characters$/]],
    ],
    [
      "bad concurrency policy",
      (o) => (o.spec.concurrencyPolicy = "Sometimes"),
      [
        [
          "spec.concurrencyPolicy",
          'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
        ],
      ],
    ],
  ];
  for (const [name, mutate, want] of cases)
    assertErrors(createErrors("batch", "cronjobs", cron(mutate)), want, name);
});

test("cron schedules", () => {
  for (const s of ["* * * * *", "0 0 * * 1-5", "@hourly", "TZ=UTC 0 * * * *", "0,30 */2 1 JAN MON"])
    assert.ok(isCronSchedule(s), s);
  for (const s of ["* * * *", "hello", "* * * * * * *"]) assert.ok(!isCronSchedule(s), s);
});

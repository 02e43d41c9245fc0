import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { defaultPod } from "../defaults/pod.ts";
import {
  prepareEphemeralContainersUpdate,
  validateEphemeralContainersUpdate,
} from "./ephemeral.ts";
import { assertErrors } from "./testing.ts";

function pod(): KObject {
  const p: KObject = {
    metadata: { name: "web", namespace: "default", uid: "u", resourceVersion: "5" },
    spec: { containers: [{ name: "c", image: "nginx" }], nodeName: "n1" },
  };
  defaultPod(p);
  return p;
}

test("only ephemeral containers change through the subresource", () => {
  const old = pod();
  const next = structuredClone(old) as any;
  next.spec.nodeName = "elsewhere";
  next.metadata.labels = { sneaky: "yes" };
  next.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }];
  prepareEphemeralContainersUpdate(next, old);
  assert.equal(next.spec.nodeName, "n1");
  assert.equal(next.metadata.labels, undefined);
  assert.equal(next.spec.ephemeralContainers[0].terminationMessagePolicy, "File");
  assertErrors(validateEphemeralContainersUpdate(next, old), [], "add");
});

test("ephemeral container rules", () => {
  const base = pod();
  const old = structuredClone(base) as any;
  old.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }];
  prepareEphemeralContainersUpdate(old, base);
  const cases: [string, (p: any) => void, [string, string | RegExp][]][] = [
    [
      "removing one",
      (p) => (p.spec.ephemeralContainers = []),
      [
        [
          "spec.ephemeralContainers",
          'Forbidden: existing ephemeral containers "debug" may not be removed',
        ],
      ],
    ],
    [
      "ports forbidden",
      (p) =>
        p.spec.ephemeralContainers.push({
          name: "x",
          image: "b",
          ports: [{ containerPort: 80, protocol: "TCP" }],
        }),
      [
        [
          "spec.ephemeralContainers[1].ports",
          "Forbidden: cannot be set for an Ephemeral Container",
        ],
      ],
    ],
    [
      "name clash with a container",
      (p) =>
        p.spec.ephemeralContainers.push({
          name: "c",
          image: "b",
          imagePullPolicy: "Always",
          terminationMessagePolicy: "File",
        }),
      [["spec.ephemeralContainers[1].name", 'Duplicate value: "c"']],
    ],
  ];
  for (const [name, mutate, want] of cases) {
    const next = structuredClone(old);
    mutate(next);
    prepareEphemeralContainersUpdate(next, old);
    assertErrors(validateEphemeralContainersUpdate(next, old), want, name);
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { invalid } from "../status.ts";
import { defaultPod } from "../defaults/pod.ts";
import { validatePod, validatePodUpdate } from "./pod.ts";

type Mutate = (pod: any) => void;

function makePod(mutate: Mutate = () => {}): KObject {
  const pod: any = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
  };
  mutate(pod);
  defaultPod(pod);
  return pod;
}

test("a minimal defaulted pod is valid", () => {
  assert.deepEqual(validatePod(makePod()), []);
});

test("pod validation failures carry upstream fields and messages", () => {
  const cases: [string, Mutate, [string, string | RegExp][]][] = [
    ["no containers", (p) => (p.spec.containers = []), [["spec.containers", "Required value"]]],
    [
      "container name required",
      (p) => (p.spec.containers[0].name = ""),
      [["spec.containers[0].name", "Required value"]],
    ],
    [
      "container name not a DNS label",
      (p) => (p.spec.containers[0].name = "Web"),
      [
        [
          "spec.containers[0].name",
          /^Invalid value: "Web": a lowercase RFC 1123 label must consist/,
        ],
      ],
    ],
    [
      "duplicate container names",
      (p) => p.spec.containers.push({ name: "c", image: "x" }),
      [["spec.containers[1].name", 'Duplicate value: "c"']],
    ],
    [
      "image required",
      (p) => delete p.spec.containers[0].image,
      [["spec.containers[0].image", "Required value"]],
    ],
    [
      "port out of range",
      (p) => (p.spec.containers[0].ports[0].containerPort = 70000),
      [
        [
          "spec.containers[0].ports[0].containerPort",
          "Invalid value: 70000: must be between 1 and 65535, inclusive",
        ],
      ],
    ],
    [
      "bad protocol",
      (p) => (p.spec.containers[0].ports[0].protocol = "HTTP"),
      [
        [
          "spec.containers[0].ports[0].protocol",
          'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        ],
      ],
    ],
    [
      "bad restart policy",
      (p) => (p.spec.restartPolicy = "Sometimes"),
      [
        [
          "spec.restartPolicy",
          'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        ],
      ],
    ],
    [
      "bad pull policy",
      (p) => (p.spec.containers[0].imagePullPolicy = "Maybe"),
      [
        [
          "spec.containers[0].imagePullPolicy",
          'Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
        ],
      ],
    ],
    [
      "bad name",
      (p) => (p.metadata.name = "Web"),
      [["metadata.name", /^Invalid value: "Web": a lowercase RFC 1123 subdomain/]],
    ],
    [
      "missing name",
      (p) => delete p.metadata.name,
      [["metadata.name", "Required value: name or generateName is required"]],
    ],
    [
      "missing namespace",
      (p) => delete p.metadata.namespace,
      [["metadata.namespace", "Required value"]],
    ],
    [
      "bad label key",
      (p) => (p.metadata.labels = { "a/b/c": "x" }),
      [["metadata.labels", /^Invalid value: "a\/b\/c": a qualified name must consist/]],
    ],
    [
      "bad label value",
      (p) => (p.metadata.labels = { app: "not ok" }),
      [["metadata.labels", /^Invalid value: "not ok": a valid label must be an empty string/]],
    ],
    [
      "annotations too large",
      (p) => (p.metadata.annotations = { big: "x".repeat(256 * 1024) }),
      [["metadata.annotations", "Too long: may not be more than 262144 bytes"]],
    ],
    [
      "volume mount names an unknown volume",
      (p) => (p.spec.containers[0].volumeMounts = [{ name: "data", mountPath: "/d" }]),
      [["spec.containers[0].volumeMounts[0].name", 'Not found: "data"']],
    ],
    [
      "volume with two sources",
      (p) => (p.spec.volumes = [{ name: "v", emptyDir: {}, secret: { secretName: "s" } }]),
      [["spec.volumes[0].secret", "Forbidden: may not specify more than 1 volume type"]],
    ],
    [
      "toleration seconds without NoExecute",
      (p) =>
        (p.spec.tolerations = [
          { key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 },
        ]),
      [
        [
          "spec.tolerations[0].effect",
          `Invalid value: "NoSchedule": effect must be 'NoExecute' when \`tolerationSeconds\` is set`,
        ],
      ],
    ],
    [
      "requests above limits",
      (p) => (p.spec.containers[0].resources = { requests: { cpu: "2" }, limits: { cpu: "1" } }),
      [
        [
          "spec.containers[0].resources.requests[cpu]",
          'Invalid value: "2": must be less than or equal to cpu limit of 1',
        ],
      ],
    ],
    [
      "probe without a handler",
      (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 5 }),
      [["spec.containers[0].livenessProbe", "Required value: must specify a handler type"]],
    ],
    [
      "liveness successThreshold",
      (p) =>
        (p.spec.containers[0].livenessProbe = { tcpSocket: { port: 80 }, successThreshold: 2 }),
      [["spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1"]],
    ],
    [
      "restartPolicy on a regular container",
      (p) => (p.spec.containers[0].restartPolicy = "Always"),
      [["spec.containers[0].restartPolicy", "Forbidden: may not be set for non-init containers"]],
    ],
    [
      "sidecar init container is fine",
      (p) => (p.spec.initContainers = [{ name: "side", image: "b", restartPolicy: "Always" }]),
      [],
    ],
    [
      "bad nodeName",
      (p) => (p.spec.nodeName = "Node_1"),
      [["spec.nodeName", /^Invalid value: "Node_1": a lowercase RFC 1123 subdomain/]],
    ],
  ];
  for (const [name, mutate, want] of cases) {
    const errs = validatePod(makePod(mutate));
    assert.equal(errs.length, want.length, `${name}: ${JSON.stringify(errs)}`);
    want.forEach(([field, message], i) => {
      assert.equal(errs[i].field, field, name);
      if (typeof message === "string") assert.equal(errs[i].message, message, name);
      else assert.match(errs[i].message, message, name);
    });
  }
});

test("a pod stored without resources (before they were defaulted) can still be updated", () => {
  const old = makePod() as any;
  delete old.spec.containers[0].resources;
  const relabelled = makePod((p) => (p.metadata.labels.tier = "front")) as any;
  assert.deepEqual(relabelled.spec.containers[0].resources, {});
  assert.deepEqual(validatePodUpdate(relabelled, old), []);
  // Resources that are not empty are still a forbidden change.
  relabelled.spec.containers[0].resources = { limits: { cpu: "1" } };
  assert.equal(validatePodUpdate(relabelled, old).length, 1);
});

test("kubectl sees the upstream Invalid message", () => {
  const errs = validatePod(makePod((p) => (p.spec.containers[0].name = "")));
  assert.equal(
    invalid("", "Pod", "web", errs).message,
    'Pod "web" is invalid: spec.containers[0].name: Required value',
  );
});

test("pod updates may change images but not other spec fields", () => {
  const old = makePod((p) => (p.spec.nodeName = "n1"));
  const imageOnly = structuredClone(old) as any;
  imageOnly.spec.containers[0].image = "nginx:1.28";
  assert.deepEqual(validatePodUpdate(imageOnly, old), []);

  const moved = structuredClone(old) as any;
  moved.spec.nodeName = "n2";
  const errs = validatePodUpdate(moved, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec");
  assert.match(
    errs[0].message,
    /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
  );
  assert.match(errs[0].message, /NodeName: "n2"/);

  const added = structuredClone(old) as any;
  added.spec.tolerations = [{ key: "k", operator: "Exists" }];
  assert.deepEqual(validatePodUpdate(added, old), []);

  const renamed = structuredClone(old) as any;
  renamed.metadata.name = "other";
  assert.equal(validatePodUpdate(renamed, old)[0].field, "metadata.name");
});

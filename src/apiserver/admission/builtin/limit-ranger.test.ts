import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../testing/test-server.ts";
import { makePod, startAdmissionServer } from "./admission-test-server.ts";
import { aggregate, validatePod } from "./limit-ranger.ts";

let t: TestServer;
before(async () => {
  t = await startAdmissionServer({ disable: ["ServiceAccount", "ResourceQuota"] });
  const res = await t.call("POST", "/api/v1/namespaces/default/limitranges", {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "limits" },
    spec: {
      limits: [
        {
          type: "Container",
          default: { cpu: "500m", memory: "256Mi" },
          defaultRequest: { cpu: "100m" },
          max: { cpu: "1" },
          min: { cpu: "50m" },
          maxLimitRequestRatio: { cpu: "5" },
        },
      ],
    },
  });
  assert.equal(res.status, 201, res.text);
});
after(() => t.close());

test("LimitRange defaults appear on the pod with the limit-ranger annotation", async () => {
  const res = await t.call(
    "POST",
    "/api/v1/namespaces/default/pods",
    makePod("web", { web: {}, side: { resources: { limits: { cpu: "200m" } } } }),
  );
  assert.equal(res.status, 201, res.text);
  const [web, side] = res.body.spec.containers;
  assert.deepEqual(web.resources, {
    limits: { cpu: "500m", memory: "256Mi" },
    requests: { cpu: "100m", memory: "256Mi" },
  });
  // Requests default from the pod's own limits first (API defaulting), then the LimitRange.
  assert.deepEqual(side.resources, {
    limits: { cpu: "200m", memory: "256Mi" },
    requests: { cpu: "200m", memory: "256Mi" },
  });
  assert.equal(
    res.body.metadata.annotations["kubernetes.io/limit-ranger"],
    "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web; memory request for container side; memory limit for container side",
  );
  assert.equal(res.body.status.qosClass, "Burstable");
});

test("violations are forbidden with upstream's messages", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { limits: { cpu: "2" } },
      'pods "bad" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    ],
    [
      { requests: { cpu: "60m" }, limits: { cpu: "1" } },
      'pods "bad" is forbidden: cpu max limit to request ratio per Container is 5, but provided ratio is 16.666667',
    ],
    [
      { requests: { cpu: "10m" }, limits: { cpu: "1" } },
      'pods "bad" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 5, but provided ratio is 100.000000]',
    ],
    [
      { requests: { cpu: "10m" } }, // the default limit (500m) makes the ratio 50
      'pods "bad" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 5, but provided ratio is 50.000000]',
    ],
  ];
  for (const [resources, message] of cases) {
    const res = await t.call(
      "POST",
      "/api/v1/namespaces/default/pods",
      makePod("bad", { c: { resources } }),
    );
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.message, message);
  }
});

test("pod-level items check the pod's effective requests", () => {
  const pod = {
    spec: {
      containers: [
        { name: "a", resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } },
        { name: "b", resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } },
      ],
    },
  };
  const errs = validatePod(pod, [{ type: "Pod", max: { memory: "1536Mi" } }]);
  assert.equal(aggregate(errs), "maximum memory usage per Pod is 1536Mi, but limit is 2Gi");
  assert.deepEqual(validatePod(pod, [{ type: "Pod", max: { memory: "2Gi" } }]), []);
});

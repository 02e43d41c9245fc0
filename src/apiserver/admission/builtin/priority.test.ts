import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../testing/test-server.ts";
import { makePod, startAdmissionServer } from "./admission-test-server.ts";

let t: TestServer;
const pcPath = "/apis/scheduling.k8s.io/v1/priorityclasses";
const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  metadata: { name },
  value,
  ...extra,
});

before(async () => {
  t = await startAdmissionServer({ disable: ["ServiceAccount", "ResourceQuota"] });
  await t.server.ready;
});
after(() => t.close());

test("priority classes resolve into pods, with upstream's errors", async () => {
  assert.equal((await t.call("POST", pcPath, pc("high", 1000))).status, 201);
  assert.equal(
    (await t.call("POST", pcPath, pc("never", 10, { preemptionPolicy: "Never" }))).status,
    201,
  );
  const cases: [Record<string, unknown>, number, string | number, string?][] = [
    [{ priorityClassName: "high" }, 201, 1000, "PreemptLowerPriority"],
    [{ priorityClassName: "never" }, 201, 10, "Never"],
    [{ priorityClassName: "system-node-critical" }, 201, 2000001000],
    [{}, 201, 0],
    [
      { priorityClassName: "nope" },
      403,
      'pods "p3" is forbidden: no PriorityClass with name nope was found',
    ],
    [
      { priorityClassName: "high", priority: 5 },
      403,
      'pods "p4" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    ],
  ];
  for (const [i, [spec, status, want, policy]] of cases.entries()) {
    const res = await t.call(
      "POST",
      "/api/v1/namespaces/default/pods",
      makePod(`p${i - 1}`, { c: {} }, spec),
    );
    assert.equal(res.status, status, res.text);
    if (status === 201) {
      assert.equal(res.body.spec.priority, want);
      if (policy) assert.equal(res.body.spec.preemptionPolicy, policy);
    } else assert.equal(res.body.message, want);
  }
});

test("the globalDefault class applies to pods without a class; only one may exist", async () => {
  assert.equal(
    (await t.call("POST", pcPath, pc("normal", 50, { globalDefault: true }))).status,
    201,
  );
  const second = await t.call("POST", pcPath, pc("other", 60, { globalDefault: true }));
  assert.equal(second.status, 403);
  assert.equal(
    second.body.message,
    'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist',
  );
  const res = await t.call("POST", "/api/v1/namespaces/default/pods", makePod("dflt"));
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.spec.priorityClassName, "normal");
  assert.equal(res.body.spec.priority, 50);
});

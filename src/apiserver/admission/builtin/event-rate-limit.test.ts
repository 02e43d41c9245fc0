import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../../client/clock.ts";
import { builtinRegistry } from "../../../api/registry.ts";
import { StatusError } from "../../../api/status.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";
import { readAdmissionConfig } from "./admission-config.ts";
import { eventRateLimitPlugin, eventRateLimits } from "./event-rate-limit.ts";

const events = builtinRegistry().get("", "v1", "events")!;
const attrs = (namespace: string, username = "u", dryRun = false): AdmissionAttributes => ({
  operation: "CREATE",
  def: events,
  subresource: "",
  namespace,
  name: "e",
  object: { metadata: { name: "e", namespace } },
  user: { username, groups: [] },
  dryRun,
});

test("events beyond a namespace's burst get 429 until tokens refill", () => {
  const clock = new FakeClock();
  const plugin = eventRateLimitPlugin(
    eventRateLimits({ limits: [{ type: "Namespace", qps: 1, burst: 2 }] }),
    clock,
  );
  const run = (a: AdmissionAttributes) => {
    try {
      plugin.validate!(a);
      return "ok";
    } catch (err) {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 429);
      return err.message;
    }
  };
  assert.deepEqual(
    [
      run(attrs("a")),
      run(attrs("a")),
      run(attrs("a")),
      run(attrs("b")),
      run(attrs("a", "u", true)),
    ],
    ["ok", "ok", "Too many requests: limit reached on type Namespace for key a", "ok", "ok"],
  );
  clock.advance(1000);
  assert.equal(run(attrs("a")), "ok");
  assert.throws(() => eventRateLimits(undefined), /at least one limit/);
  assert.throws(
    () => eventRateLimits({ limits: [{ type: "Pod", qps: 1, burst: 1 }] }),
    /unknown limit type/,
  );
});

test("the admission configuration file gives plugins inline or file configurations", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-admission-config-"));
  try {
    await writeFile(
      join(dir, "events.yaml"),
      "apiVersion: eventratelimit.admission.k8s.io/v1alpha1\nkind: Configuration\nlimits:\n- type: Server\n  qps: 5\n  burst: 10\n",
    );
    await writeFile(
      join(dir, "admission.yaml"),
      [
        "apiVersion: apiserver.config.k8s.io/v1",
        "kind: AdmissionConfiguration",
        "plugins:",
        "- name: EventRateLimit",
        "  path: events.yaml",
        "- name: PodSecurity",
        "  configuration:",
        "    defaults: {enforce: baseline}",
        "    exemptions: {namespaces: [kube-system]}",
      ].join("\n"),
    );
    const configs = readAdmissionConfig(join(dir, "admission.yaml"));
    assert.deepEqual(eventRateLimits(configs.get("EventRateLimit")), [
      { type: "Server", qps: 5, burst: 10 },
    ]);
    assert.deepEqual(configs.get("PodSecurity"), {
      defaults: { enforce: "baseline" },
      exemptions: { namespaces: ["kube-system"] },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

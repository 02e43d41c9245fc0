import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultPodTemplate } from "../../api/defaults/pod.ts";
import { findNewReplicaSet } from "./deployment.ts";

const template = (image: string, defaults: boolean) => {
  const t = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image }] },
  };
  if (defaults) defaultPodTemplate(t);
  return t;
};
const rs = (name: string, created: string, tpl: ReturnType<typeof template>) => ({
  metadata: { name, creationTimestamp: created },
  spec: {
    template: {
      ...tpl,
      metadata: { labels: { ...tpl.metadata.labels, "pod-template-hash": name.slice(4) } },
    },
  },
});

test("of several ReplicaSets equal to the template once defaulted, the oldest is the new one", () => {
  const older = rs("web-aaaa", "2026-01-01T00:00:00Z", template("nginx:1.27", false));
  const newer = rs("web-bbbb", "2026-02-01T00:00:00Z", template("nginx:1.27", true));
  const other = rs("web-cccc", "2025-01-01T00:00:00Z", template("nginx:1.28", true));
  for (const owned of [
    [older, newer, other],
    [newer, other, older],
  ]) {
    assert.equal(
      findNewReplicaSet(template("nginx:1.27", true), owned)?.metadata?.name,
      "web-aaaa",
    );
  }
  assert.equal(findNewReplicaSet(template("nginx:1.29", true), [older, newer]), undefined);
  // Same creation time: by name.
  const twin = rs("web-0000", "2026-01-01T00:00:00Z", template("nginx:1.27", true));
  assert.equal(
    findNewReplicaSet(template("nginx:1.27", false), [older, twin])?.metadata?.name,
    "web-0000",
  );
});

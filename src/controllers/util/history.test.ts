import { test } from "node:test";
import assert from "node:assert/strict";
import type { RestClient } from "../../client/rest-client.ts";
import { defaultPodTemplate } from "../../api/defaults/pod.ts";
import { ensureRevision, revisionData, type ControllerRevision } from "./history.ts";

const bare = () => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
});
const defaulted = () => {
  const t = bare();
  defaultPodTemplate(t);
  return t;
};
const revision = (name: string, n: number, template: unknown): ControllerRevision => ({
  apiVersion: "apps/v1",
  kind: "ControllerRevision",
  metadata: { name, namespace: "default" },
  data: revisionData(template),
  revision: n,
});

/** A client that records writes and answers them with what was sent. */
function recordingClient() {
  const writes: { verb: string; obj: ControllerRevision }[] = [];
  const client = {
    update: async (_ref: unknown, obj: ControllerRevision) => (
      writes.push({ verb: "update", obj }),
      obj
    ),
    create: async (_ref: unknown, _ns: unknown, obj: ControllerRevision) => (
      writes.push({ verb: "create", obj }),
      obj
    ),
  } as unknown as RestClient;
  return { client, writes };
}

const owner = (template: unknown) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: { template, selector: { matchLabels: { app: "web" } } },
});

test("of several revisions equal once defaulted, the newest is current and nothing is written", async () => {
  // Revision 1 stored before a template default existed, revision 2 after: equal templates.
  const revs = [revision("web-aaaa", 1, bare()), revision("web-bbbb", 2, defaulted())];
  for (const order of [revs, [...revs].reverse()]) {
    const { client, writes } = recordingClient();
    const current = await ensureRevision(client, owner(defaulted()), "StatefulSet", order);
    assert.equal(current.metadata?.name, "web-bbbb");
    assert.deepEqual(writes, []);
  }
});

test("a rollback to an older template renumbers the newest revision equal to it", async () => {
  const changed = { ...bare(), spec: { containers: [{ name: "web", image: "nginx:1.28" }] } };
  const revs = [
    revision("web-aaaa", 1, bare()),
    revision("web-bbbb", 2, defaulted()),
    revision("web-cccc", 3, changed),
  ];
  const { client, writes } = recordingClient();
  const current = await ensureRevision(client, owner(bare()), "StatefulSet", revs);
  assert.equal(current.metadata?.name, "web-bbbb");
  assert.equal(current.revision, 4);
  assert.deepEqual(
    writes.map((w) => [w.verb, w.obj.metadata?.name]),
    [["update", "web-bbbb"]],
  );
});

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { RestClient } from "../../client/rest-client.ts";
import { podsRef, resourceQuotasRef } from "../../client/resources.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { ResourceQuotaController } from "./resourcequota.ts";

let t: TestServer;
let client: RestClient;
let informers: InformerFactory;
let quotas: SharedInformer;
const stop = new AbortController();
let running: Promise<void>;

/** Resolves with the quota's status.used once it equals want (checked on every quota event). */
function usedBecomes(want: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const q = quotas.indexer.get("default/q") as { status?: { used?: object } } | undefined;
      if (JSON.stringify(q?.status?.used) === JSON.stringify(want)) resolve();
    };
    quotas.addEventHandler({ add: check, update: check });
    check();
  });
}

const pod = (name: string, cpu: string): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu } } }] },
});

before(async () => {
  t = await startTestServer({ services: false } as never);
  client = new RestClient({ server: t.server.url });
  informers = new InformerFactory(client, { clock: t.clock });
  quotas = informers.informerFor(resourceQuotasRef);
  const controller = new ResourceQuotaController({
    client,
    informers,
    clock: t.clock,
    resolve: async (target) =>
      target.group === ""
        ? { group: "", version: "v1", resource: target.resource, namespaced: true }
        : undefined,
  });
  await client.create(podsRef, "default", pod("a", "100m"));
  await client.create(podsRef, "default", pod("b", "250m"));
  informers.start();
  running = controller.run(1, stop.signal);
});

after(async () => {
  stop.abort();
  await running;
  await informers.stop();
  client.close();
  await t.close();
});

test("usage is computed, then recalculated when pods finish or go, and on resync", async () => {
  await client.create(resourceQuotasRef, "default", {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "q" },
    spec: { hard: { pods: "5", "requests.cpu": "2", "count/pods": "10" } },
  });
  await usedBecomes({ "count/pods": "2", pods: "2", "requests.cpu": "350m" });
  const b = await client.get<KObject>(podsRef, "default", "b");
  await client.update(podsRef, { ...b, status: { phase: "Failed" } }, { subresource: "status" });
  await usedBecomes({ "count/pods": "2", pods: "1", "requests.cpu": "100m" });
  await client.delete(podsRef, "default", "a");
  await usedBecomes({ "count/pods": "1", pods: "0", "requests.cpu": "0" });
  // A creation is not replenishment (admission charges it); the periodic resync counts it.
  const pods = informers.informerFor(podsRef);
  const seen = new Promise<void>((resolve) => {
    const check = () => {
      if (pods.indexer.get("default/c")) resolve();
    };
    pods.addEventHandler({ add: check });
  });
  await client.create(podsRef, "default", pod("c", "1"));
  await seen;
  t.clock.advance(5 * 60 * 1000);
  await usedBecomes({ "count/pods": "2", pods: "1", "requests.cpu": "1" });
});

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { RestClient } from "../../client/rest-client.ts";
import { daemonSetsRef, nodesRef, podsRef } from "../../client/resources.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { DaemonSetController } from "./daemonset.ts";

let t: TestServer;
let client: RestClient;
let informers: InformerFactory;
const stop = new AbortController();
let running: Promise<void>;

/** Resolves once the informer's cache satisfies check (checked on every event). */
function until<T extends KObject>(
  inf: ReturnType<InformerFactory["informerFor"]>,
  check: () => T | undefined,
) {
  return new Promise<T>((resolve) => {
    const test = () => {
      const v = check();
      if (v) resolve(v);
    };
    inf.addEventHandler({ add: test, update: test, delete: test });
    test();
  });
}

before(async () => {
  t = await startTestServer({ services: false } as never);
  client = new RestClient({ server: t.server.url });
  informers = new InformerFactory(client, { clock: t.clock });
  const controller = new DaemonSetController({
    client,
    informers,
    clock: t.clock,
    recorder: new EventRecorder(client, { component: "test" }, { clock: t.clock }),
  });
  for (const name of ["n1", "n2"])
    await client.create(nodesRef, undefined, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name },
    });
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

test("pods become available minReadySeconds after ready, by the injected clock", async () => {
  await client.create(daemonSetsRef, "default", {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent" },
    spec: {
      minReadySeconds: 10,
      selector: { matchLabels: { app: "agent" } },
      template: {
        metadata: { labels: { app: "agent" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  });
  const pods = informers.informerFor(podsRef);
  const sets = informers.informerFor(daemonSetsRef);
  const created = await until(pods, () => {
    const list = pods.indexer.list();
    return list.length === 2 ? (list as unknown as KObject) : undefined;
  });
  assert.ok(created);
  const readySince = new Date(t.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  for (const p of pods.indexer.list()) {
    await client.update(
      podsRef,
      {
        ...p,
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: readySince }],
        },
      },
      { subresource: "status" },
    );
  }
  const ready = await until(sets, () => {
    const ds = sets.indexer.get("default/agent") as { status?: Record<string, number> } | undefined;
    return ds?.status?.numberReady === 2 ? ds : undefined;
  });
  assert.equal(ready.status?.numberAvailable, 0);
  assert.equal(ready.status?.desiredNumberScheduled, 2);
  t.clock.advance(10_000);
  const available = await until(sets, () => {
    const ds = sets.indexer.get("default/agent") as { status?: Record<string, number> } | undefined;
    return ds?.status?.numberAvailable === 2 ? ds : undefined;
  });
  assert.equal(available.status?.numberUnavailable, 0);
});

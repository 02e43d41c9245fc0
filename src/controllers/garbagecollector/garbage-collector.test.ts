/**
 * The garbage collector against a real in-process API server: foreground
 * deletion removes dependents first and the owner only after its blocking
 * dependents are gone; background deletion removes orphaned dependents;
 * orphan propagation strips the owner reference.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { realClock } from "../../client/clock.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { configMapsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { GarbageCollector } from "./garbage-collector.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

const ns = "default";
let env: ControllerTestEnv;
let client: RestClient;
let informers: InformerFactory;
const abort = new AbortController();
/** Names of the objects the collector read live (its owner lookups). */
const lookedUp: string[] = [];
/** UIDs the collector processed, in order. */
const processed: string[] = [];

class RecordingCollector extends GarbageCollector {
  override processItem(uid: string): Promise<void> {
    processed.push(uid);
    return super.processItem(uid);
  }
}

before(async () => {
  env = await controllerTestEnv({ clock: realClock });
  ({ client, informers } = env);
  const counting: RestClient = Object.create(client);
  counting.get = (ref, namespace, name) => {
    lookedUp.push(name);
    return client.get(ref, namespace, name);
  };
  const gc = new RecordingCollector({
    ...env,
    client: counting,
    resources: [{ ref: configMapsRef, kind: "ConfigMap" }],
  });
  void gc.run(2, abort.signal);
  await env.start();
});

after(async () => {
  abort.abort();
  await env.close();
});

async function cm(
  name: string,
  owner?: KObject,
  extra: Record<string, unknown> = {},
): Promise<KObject> {
  return client.create(configMapsRef, ns, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                name: owner.metadata!.name!,
                uid: owner.metadata!.uid!,
                ...extra,
              },
            ],
          }
        : {}),
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    },
  } as KObject);
}

const get = async (name: string) => {
  try {
    return await client.get<KObject>(configMapsRef, ns, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
};

const del = (name: string, propagationPolicy: string) =>
  client.request("DELETE", `/api/v1/namespaces/${ns}/configmaps/${name}`, {
    body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy },
  });

test("foreground: the owner waits for its blocking dependents", async () => {
  const owner = await cm("fg-owner");
  await cm("fg-held", owner, { blockOwnerDeletion: true, finalizers: ["k8ts.test/hold"] });
  await cm("fg-free", owner);
  await del("fg-owner", "Foreground");
  await until("non-blocking dependent deleted", async () => (await get("fg-free")) === undefined);
  const held = await until("held dependent terminating", async () => {
    const d = await get("fg-held");
    return d?.metadata?.deletionTimestamp ? d : undefined;
  });
  const waiting = await get("fg-owner");
  assert.ok(waiting?.metadata?.deletionTimestamp, "owner is terminating");
  assert.deepEqual(waiting?.metadata?.finalizers, ["foregroundDeletion"]);
  await client.patch(configMapsRef, ns, "fg-held", "merge", {
    metadata: { finalizers: null, resourceVersion: held.metadata?.resourceVersion },
  });
  await until(
    "owner deleted after its dependent",
    async () => (await get("fg-owner")) === undefined,
  );
});

test("background: dependents of a deleted owner are collected", async () => {
  const owner = await cm("bg-owner");
  await cm("bg-dep", owner);
  await del("bg-owner", "Background");
  await until("dependent collected", async () => (await get("bg-dep")) === undefined);
});

test("orphan: dependents stay and lose the owner reference", async () => {
  const owner = await cm("or-owner");
  await cm("or-dep", owner);
  await del("or-owner", "Orphan");
  await until("owner gone", async () => (await get("or-owner")) === undefined);
  const dep = await until("dependent orphaned", async () => {
    const d = await get("or-dep");
    return d && !d.metadata?.ownerReferences?.length ? d : undefined;
  });
  assert.equal(dep.metadata?.name, "or-dep");
});

test("absent owners are remembered: one lookup however many dependents", async () => {
  const owner = await cm("many-owner");
  const deps = Array.from({ length: 10 }, (_, i) => `many-dep-${i}`);
  for (const d of deps) await cm(d, owner);
  await del("many-owner", "Background");
  for (const d of deps) await until(`${d} collected`, async () => (await get(d)) === undefined);
  // Seen deleted: no dependent needed a live read of the owner.
  assert.equal(lookedUp.filter((n) => n === "many-owner").length, 0);
  // An owner that never existed is read once, then known absent.
  const ghost = {
    metadata: { name: "ghost-owner", uid: "00000000-0000-0000-0000-00000000dead" },
  } as KObject;
  for (const d of ["ghost-dep-1", "ghost-dep-2"]) {
    await cm(d, ghost);
    await until(`${d} collected`, async () => (await get(d)) === undefined);
  }
  assert.equal(lookedUp.filter((n) => n === "ghost-owner").length, 1);
});

test("objects deleted without dependents do not evict deleted owners from the absent owners", async () => {
  const owner = await cm("evict-owner");
  await cm("evict-dep", owner);
  await del("evict-owner", "Background");
  await until("dependent collected", async () => (await get("evict-dep")) === undefined);
  // More leaf deletions than the absent owner cache holds.
  const leaves = Array.from({ length: 520 }, (_, i) => `evict-leaf-${i}`);
  for (let i = 0; i < leaves.length; i += 52)
    await Promise.all(
      leaves.slice(i, i + 52).map((name) =>
        client.create(configMapsRef, ns, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, labels: { leaf: "evict" } },
        } as KObject),
      ),
    );
  await client.request("DELETE", `/api/v1/namespaces/${ns}/configmaps?labelSelector=leaf%3Devict`);
  const cache = informers.informerFor(configMapsRef).indexer;
  await until("leaf deletions seen", () => leaves.every((n) => !cache.get(`${ns}/${n}`)));
  // A dependent of the deleted owner showing up now is collected without reading the owner.
  await cm("evict-late", owner);
  await until("late dependent collected", async () => (await get("evict-late")) === undefined);
  assert.equal(lookedUp.filter((n) => n === "evict-owner").length, 0);
});

test("updates that change no ownership, deletion or finalizers are not processed again", async () => {
  const owner = await cm("quiet-owner");
  const dep = await cm("quiet-dep", owner);
  const uid = dep.metadata!.uid!;
  await until("dependent processed once", async () => processed.includes(uid));
  for (let i = 0; i < 5; i++)
    await client.patch(configMapsRef, ns, "quiet-dep", "merge", { data: { n: String(i) } });
  // A later change that matters is processed: it also proves the patches above were seen.
  await client.patch(configMapsRef, ns, "quiet-dep", "merge", {
    metadata: { finalizers: ["k8ts.test/hold"] },
  });
  await until(
    "finalizer change processed",
    async () => processed.filter((u) => u === uid).length >= 2,
  );
  assert.equal(processed.filter((u) => u === uid).length, 2);
  await client.patch(configMapsRef, ns, "quiet-dep", "merge", { metadata: { finalizers: null } });
});

/**
 * The persistentvolume-binder against a real in-process API server: claims
 * bind to the smallest fitting Available volume (class, modes, size,
 * selector) or to the volume they name; both sides show Bound; a volume
 * whose claim is deleted is Released (Retain) or deleted (Delete).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { realClock } from "../../client/clock.ts";
import { isNotFound } from "../../client/api-error.ts";
import { persistentVolumeClaimsRef, persistentVolumesRef } from "../../client/resources.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";
import {
  BIND_COMPLETED,
  PVBinderController,
  findMatchingVolume,
  unscheduledPodsOf,
  volumeFits,
} from "./pv-binder.ts";

const ns = "default";
let env: ControllerTestEnv;
const abort = new AbortController();

before(async () => {
  env = await controllerTestEnv({ clock: realClock });
  void new PVBinderController({
    ...env,
    recorder: env.recorder("persistentvolume-controller"),
  }).run(2, abort.signal);
  await env.start();
});

after(async () => {
  abort.abort();
  await env.close();
});

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const volume = (name: string, size: string, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name, labels: { size } },
  spec: {
    capacity: { storage: size },
    accessModes: ["ReadWriteOnce"],
    persistentVolumeReclaimPolicy: "Retain",
    hostPath: { path: `/tmp/${name}` },
    ...extra,
  },
});
const claim = (name: string, size: string, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: ns },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: size } },
    storageClassName: "",
    ...extra,
  },
});

test("volumeFits and findMatchingVolume: class, mode, access modes, size, selector; smallest fit wins", () => {
  const c = claim("c", "1Gi");
  const rows: [string, boolean][] = [
    ["fits", volumeFits(volume("a", "2Gi"), c)],
    ["too small", volumeFits(volume("a", "500Mi"), c)],
    ["other class", volumeFits(volume("a", "2Gi", { storageClassName: "fast" }), c)],
    ["block mode", volumeFits(volume("a", "2Gi", { volumeMode: "Block" }), c)],
    [
      "RWX wanted",
      volumeFits(volume("a", "2Gi"), claim("c", "1Gi", { accessModes: ["ReadWriteMany"] })),
    ],
    [
      "selector",
      volumeFits(
        volume("a", "2Gi"),
        claim("c", "1Gi", { selector: { matchLabels: { size: "5Gi" } } }),
      ),
    ],
  ];
  assert.deepEqual(rows, [
    ["fits", true],
    ["too small", false],
    ["other class", false],
    ["block mode", false],
    ["RWX wanted", false],
    ["selector", false],
  ]);
  const taken = volume("t", "1Gi", { claimRef: { namespace: ns, name: "other" } });
  assert.equal(
    findMatchingVolume([volume("big", "10Gi"), taken, volume("small", "2Gi")], c)?.metadata?.name,
    "small",
  );
});

async function bound(name: string): Promise<Obj> {
  return until(`claim ${name} Bound`, async () => {
    const c = await env.client.get<Obj>(persistentVolumeClaimsRef, ns, name);
    return c.status?.phase === "Bound" ? c : undefined;
  });
}

test("a claim binds to the smallest fitting volume; both sides Bound; Retain releases", async () => {
  const { client } = env;
  await client.create(persistentVolumesRef, undefined, volume("pv-10g", "10Gi"));
  await client.create(persistentVolumesRef, undefined, volume("pv-2g", "2Gi"));
  await until("new volumes Available", async () => {
    const pv = await client.get<Obj>(persistentVolumesRef, undefined, "pv-10g");
    return pv.status?.phase === "Available";
  });
  await client.create(persistentVolumeClaimsRef, ns, claim("data", "1Gi"));
  const c = await bound("data");
  assert.equal(c.spec.volumeName, "pv-2g");
  assert.equal(c.metadata?.annotations?.[BIND_COMPLETED], "yes");
  assert.deepEqual(c.status.capacity, { storage: "2Gi" });
  const pv = await client.get<Obj>(persistentVolumesRef, undefined, "pv-2g");
  assert.equal(pv.status.phase, "Bound");
  assert.equal(pv.spec.claimRef.name, "data");
  assert.equal(pv.spec.claimRef.uid, c.metadata?.uid);
  // The claim goes: a Retain volume is Released, and not given to another claim.
  await client.delete(persistentVolumeClaimsRef, ns, "data");
  await until("volume Released", async () => {
    const v = await client.get<Obj>(persistentVolumesRef, undefined, "pv-2g");
    return v.status?.phase === "Released";
  });
  await client.create(persistentVolumeClaimsRef, ns, claim("data2", "1Gi"));
  assert.equal((await bound("data2")).spec.volumeName, "pv-10g");
});

test("a claim naming its volume binds to it; a Delete volume goes with its claim", async () => {
  const { client } = env;
  await client.create(
    persistentVolumesRef,
    undefined,
    volume("pv-named", "1Gi", { persistentVolumeReclaimPolicy: "Delete" }),
  );
  await client.create(
    persistentVolumeClaimsRef,
    ns,
    claim("named", "1Gi", { volumeName: "pv-named" }),
  );
  assert.equal((await bound("named")).spec.volumeName, "pv-named");
  await client.delete(persistentVolumeClaimsRef, ns, "named");
  await until("Delete volume removed", async () => {
    try {
      await client.get(persistentVolumesRef, undefined, "pv-named");
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
});

test("a claim with no fitting volume stays Pending until one appears", async () => {
  const { client } = env;
  await client.create(persistentVolumeClaimsRef, ns, claim("waits", "50Gi"));
  const pending = await client.get<Obj>(persistentVolumeClaimsRef, ns, "waits");
  assert.notEqual(pending.status?.phase, "Bound");
  await client.create(persistentVolumesRef, undefined, volume("pv-50g", "50Gi"));
  assert.equal((await bound("waits")).spec.volumeName, "pv-50g");
});

const storageClassesRef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "storageclasses",
  namespaced: false,
};

async function eventReasons(claimName: string): Promise<string[]> {
  const list = await env.client.list<KObject & { reason?: string; involvedObject?: any }>(
    { group: "", version: "v1", resource: "events", namespaced: true },
    ns,
  );
  return list.items.filter((e) => e.involvedObject?.name === claimName).map((e) => e.reason!);
}

test("WaitForFirstConsumer: Pending with an event until a node is selected; then the provisioner is asked", async () => {
  const { client } = env;
  await client.create(storageClassesRef, undefined, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "lazy" },
    provisioner: "example.com/lazy",
    volumeBindingMode: "WaitForFirstConsumer",
  });
  // An Available volume of the class is left to the scheduler, not bound here.
  await client.create(
    persistentVolumesRef,
    undefined,
    volume("pv-lazy", "1Gi", { storageClassName: "lazy" }),
  );
  await client.create(
    persistentVolumeClaimsRef,
    ns,
    claim("lazy", "5Gi", { storageClassName: "lazy" }),
  );
  await client.create(
    persistentVolumeClaimsRef,
    ns,
    claim("lazy-small", "1Gi", { storageClassName: "lazy" }),
  );
  await until("WaitForFirstConsumer event", async () =>
    (await eventReasons("lazy")).includes("WaitForFirstConsumer"),
  );
  const small = await client.get<Obj>(persistentVolumeClaimsRef, ns, "lazy-small");
  assert.equal(small.status.phase, "Pending");
  assert.equal(small.spec.volumeName, undefined);
  // The scheduler's PreBind: the claim gets the node; the class's provisioner is then named.
  const c = await client.get<Obj>(persistentVolumeClaimsRef, ns, "lazy");
  c.metadata!.annotations = { "volume.kubernetes.io/selected-node": "n1" };
  await client.update(persistentVolumeClaimsRef, c);
  const asked = await until("provisioner annotations", async () => {
    const got = await client.get<Obj>(persistentVolumeClaimsRef, ns, "lazy");
    return got.metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"]
      ? got
      : undefined;
  });
  assert.equal(
    asked.metadata?.annotations?.["volume.beta.kubernetes.io/storage-provisioner"],
    "example.com/lazy",
  );
  await until("ExternalProvisioning event", async () =>
    (await eventReasons("lazy")).includes("ExternalProvisioning"),
  );
  // The provisioner's volume, reserved for the claim, is bound; deleting the claim
  // releases it and leaves its deletion to the provisioner.
  await client.create(
    persistentVolumesRef,
    undefined,
    volume("pvc-made", "5Gi", {
      storageClassName: "lazy",
      persistentVolumeReclaimPolicy: "Delete",
      claimRef: {
        kind: "PersistentVolumeClaim",
        namespace: ns,
        name: "lazy",
        uid: asked.metadata?.uid,
      },
    }),
  );
  await client.patch(persistentVolumesRef, undefined, "pvc-made", "merge", {
    metadata: { annotations: { "pv.kubernetes.io/provisioned-by": "example.com/lazy" } },
  });
  assert.equal((await bound("lazy")).spec.volumeName, "pvc-made");
  await client.delete(persistentVolumeClaimsRef, ns, "lazy");
  await until("provisioned volume Released", async () => {
    const v = await client.get<Obj>(persistentVolumesRef, undefined, "pvc-made");
    return v.status?.phase === "Released";
  });
  const still = await client.get<Obj>(persistentVolumesRef, undefined, "pvc-made");
  assert.equal(still.metadata?.deletionTimestamp, undefined);
});

test("no volume and no class: FailedBinding; a class with an in-tree name: ProvisioningFailed", async () => {
  const { client } = env;
  await client.create(persistentVolumeClaimsRef, ns, claim("nothing", "99Gi"));
  await until("FailedBinding event", async () =>
    (await eventReasons("nothing")).includes("FailedBinding"),
  );
  await client.create(storageClassesRef, undefined, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "manual" },
    provisioner: "kubernetes.io/no-provisioner",
  });
  await client.create(
    persistentVolumeClaimsRef,
    ns,
    claim("manual", "1Gi", { storageClassName: "manual" }),
  );
  await until("ProvisioningFailed event", async () =>
    (await eventReasons("manual")).includes("ProvisioningFailed"),
  );
});

test("unscheduledPodsOf: live pods using the claim that have no node yet", () => {
  const pod = (name: string, claimName: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name },
    spec: { volumes: [{ persistentVolumeClaim: { claimName } }] },
    ...extra,
  });
  const pods = [
    pod("waiting", "c"),
    pod("other-claim", "d"),
    {
      ...pod("placed", "c"),
      spec: { nodeName: "n1", volumes: [{ persistentVolumeClaim: { claimName: "c" } }] },
    },
    pod("done", "c", { status: { phase: "Succeeded" } }),
    pod("also-waiting", "c"),
  ];
  assert.deepEqual(unscheduledPodsOf(pods, claim("c", "1Gi")), ["waiting", "also-waiting"]);
});

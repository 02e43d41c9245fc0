/**
 * pvc-protection and pv-protection against a real in-process API server:
 * finalizers are added to claims/volumes missing them; a claim being deleted
 * stays while a scheduled pod uses it and goes once that pod is gone; an
 * unscheduled pod does not hold it; a volume stays while Bound.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { realClock } from "../../client/clock.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import {
  persistentVolumeClaimsRef,
  persistentVolumesRef,
  podsRef,
} from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { PVCProtectionController, claimNamesOf, podUsesPVC } from "./pvc-protection.ts";
import { PVProtectionController } from "./pv-protection.ts";
import { PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from "./protection-util.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";
import { builtinAdmission } from "../../apiserver/admission/builtin/builtin-admission.ts";

const ns = "default";
let env: ControllerTestEnv;
let client: RestClient;
let informers: InformerFactory;
let pvcController: PVCProtectionController;
let pvController: PVProtectionController;
const abort = new AbortController();

before(async () => {
  env = await controllerTestEnv({ clock: realClock });
  ({ client, informers } = env);
  pvcController = new PVCProtectionController(env);
  pvController = new PVProtectionController(env);
  void pvcController.run(2, abort.signal);
  void pvController.run(1, abort.signal);
  await env.start();
});

after(async () => {
  abort.abort();
  await env.close();
});

const claim = (name: string): KObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: ns },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});

const pod = (name: string, claimName: string, nodeName?: string): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: [{ name: "c", image: "busybox" }],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName } }],
  },
});

async function gone(ref: typeof podsRef, name: string, namespace?: string): Promise<boolean> {
  try {
    await client.get(ref, namespace, name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

test("podUsesPVC: scheduled pods only; ephemeral claims must be controlled by the pod", () => {
  const pvc = { metadata: { name: "web-data", namespace: ns } };
  const ephemeralPod = (nodeName: string, uid: string, shutDown = false) => ({
    metadata: {
      name: "web",
      namespace: ns,
      uid,
      ...(shutDown
        ? { deletionTimestamp: "2026-01-01T00:00:00Z", deletionGracePeriodSeconds: 0 }
        : {}),
    },
    spec: { nodeName, volumes: [{ name: "data", ephemeral: {} }] },
  });
  const owned = {
    metadata: { ...pvc.metadata, ownerReferences: [{ controller: true, uid: "u1" }] },
  } as unknown as KObject;
  const rows: [string, boolean][] = [
    ["plain claim, scheduled", podUsesPVC(pod("p", "web-data", "n1"), pvc)],
    ["plain claim, unscheduled", podUsesPVC(pod("p", "web-data"), pvc)],
    ["other claim", podUsesPVC(pod("p", "other", "n1"), pvc)],
    ["ephemeral, owned", podUsesPVC(ephemeralPod("n1", "u1"), owned)],
    ["ephemeral, not owned", podUsesPVC(ephemeralPod("n1", "u2"), owned)],
    ["ephemeral, pod shut down", podUsesPVC(ephemeralPod("n1", "u1", true), owned)],
  ];
  assert.deepEqual(rows, [
    ["plain claim, scheduled", true],
    ["plain claim, unscheduled", false],
    ["other claim", false],
    ["ephemeral, owned", true],
    ["ephemeral, not owned", false],
    ["ephemeral, pod shut down", false],
  ]);
});

test("a claim missing the finalizer gets it; an unused claim is deleted at once", async () => {
  await client.create(persistentVolumeClaimsRef, ns, claim("free"));
  await until("finalizer added", async () => {
    const c = await client.get(persistentVolumeClaimsRef, ns, "free");
    return c.metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER);
  });
  await client.delete(persistentVolumeClaimsRef, ns, "free");
  await until("unused claim deleted", () => gone(persistentVolumeClaimsRef, "free", ns));
});

test("a claim used by a scheduled pod is kept until the pod is gone", async () => {
  await client.create(persistentVolumeClaimsRef, ns, {
    ...claim("data"),
    metadata: { name: "data", namespace: ns, finalizers: [PVC_PROTECTION_FINALIZER] },
  });
  await client.create(podsRef, ns, pod("user", "data", "node1"));
  await client.create(podsRef, ns, pod("pending", "data"));
  await client.delete(persistentVolumeClaimsRef, ns, "data");
  // The controller saw the deletion (an update) and kept the claim.
  const held = await until("claim marked for deletion", async () => {
    const c = await client.get(persistentVolumeClaimsRef, ns, "data");
    return c.metadata?.deletionTimestamp ? c : undefined;
  });
  assert.deepEqual(held.metadata?.finalizers, [PVC_PROTECTION_FINALIZER]);
  // A sync that sees the deletion keeps the claim.
  await until("cache sees the deletion", () =>
    cachedDeleting(persistentVolumeClaimsRef, "default/data"),
  );
  await pvcController.sync("default/data");
  assert.equal(await gone(persistentVolumeClaimsRef, "data", ns), false);
  await client.delete(podsRef, ns, "user", { gracePeriodSeconds: 0 });
  await until("claim released after its pod went", () =>
    gone(persistentVolumeClaimsRef, "data", ns),
  );
  // The unscheduled pod never held it.
  assert.equal(await gone(podsRef, "pending", ns), false);
  await client.delete(podsRef, ns, "pending", { gracePeriodSeconds: 0 });
});

test("a volume being deleted stays while Bound and goes once released", async () => {
  await client.create(persistentVolumesRef, undefined, {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv1" },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/tmp/pv1" },
    },
  });
  const withFin = await until("pv finalizer added", async () => {
    const v = await client.get(persistentVolumesRef, undefined, "pv1");
    return v.metadata?.finalizers?.includes(PV_PROTECTION_FINALIZER) ? v : undefined;
  });
  await client.update(persistentVolumesRef, { ...withFin, status: { phase: "Bound" } } as KObject, {
    subresource: "status",
  });
  await client.delete(persistentVolumesRef, undefined, "pv1");
  const marked = await until("pv marked for deletion", async () => {
    const v = await client.get(persistentVolumesRef, undefined, "pv1");
    return v.metadata?.deletionTimestamp ? v : undefined;
  });
  await until("cache sees the deletion", () => cachedDeleting(persistentVolumesRef, "pv1"));
  await pvController.sync("pv1");
  assert.equal(await gone(persistentVolumesRef, "pv1"), false);
  await client.update(
    persistentVolumesRef,
    { ...marked, status: { phase: "Released" } } as KObject,
    { subresource: "status" },
  );
  await until("released volume deleted", () => gone(persistentVolumesRef, "pv1"));
});

/** The shared informer's copy carries a deletionTimestamp. */
function cachedDeleting(ref: typeof podsRef, key: string): boolean {
  return !!informers.informerFor(ref).indexer.get(key)?.metadata?.deletionTimestamp;
}

test("StorageObjectInUseProtection is default-on now that its controllers exist", () => {
  const names = (opts: Parameters<typeof builtinAdmission>[0]) =>
    builtinAdmission(opts)
      .chain([])
      .map((p) => p.name);
  assert.ok(names({}).includes("StorageObjectInUseProtection"));
  assert.ok(
    !names({ disable: ["StorageObjectInUseProtection"] }).includes("StorageObjectInUseProtection"),
  );
});

test("claimNamesOf: claims of persistentVolumeClaim and ephemeral volumes, in volume order", () => {
  const cases: [string, unknown[] | undefined, string[]][] = [
    ["no volumes", undefined, []],
    [
      "no claim volumes",
      [
        { name: "token", projected: {} },
        { name: "tmp", emptyDir: {} },
      ],
      [],
    ],
    [
      "claims and ephemeral",
      [
        { name: "data", persistentVolumeClaim: { claimName: "data-0" } },
        { name: "token", projected: {} },
        { name: "scratch", ephemeral: { volumeClaimTemplate: {} } },
      ],
      ["data-0", "web-scratch"],
    ],
    ["empty claimName", [{ name: "x", persistentVolumeClaim: { claimName: "" } }], []],
  ];
  for (const [name, volumes, want] of cases) {
    const pod = { metadata: { name: "web", namespace: ns }, spec: { containers: [], volumes } };
    assert.deepEqual(claimNamesOf(pod as never), want, name);
  }
});

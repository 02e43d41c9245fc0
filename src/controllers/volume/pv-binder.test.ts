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
import { BIND_COMPLETED, PVBinderController, findVolume, volumeFits } from "./pv-binder.ts";

const ns = "default";
let env: ControllerTestEnv;
const abort = new AbortController();

before(async () => {
  env = await controllerTestEnv({ clock: realClock });
  void new PVBinderController(env).run(2, abort.signal);
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

test("volumeFits and findVolume: class, mode, access modes, size, selector; smallest fit wins", () => {
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
    findVolume([volume("big", "10Gi"), taken, volume("small", "2Gi")], c)?.metadata?.name,
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

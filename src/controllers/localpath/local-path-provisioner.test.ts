/**
 * The local-path provisioner with the persistentvolume-binder against a real
 * in-process API server: the default class appears at start; a claim whose
 * node is selected gets a hostPath volume on that node, bound to it; deleting
 * the claim removes the directory (own node, or a helper pod on another node)
 * and the volume; a vanished node sends the claim back to the scheduler.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject } from "../../api/types.ts";
import { realClock } from "../../client/clock.ts";
import { isNotFound } from "../../client/api-error.ts";
import {
  namespacesRef,
  nodesRef,
  persistentVolumeClaimsRef,
  persistentVolumesRef,
  podsRef,
} from "../../client/resources.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";
import { PVBinderController } from "../volume/pv-binder.ts";
import { storageClassesRef, type PVC } from "../volume/volume-util.ts";
import { LocalPathProvisioner, provisionedVolume, volumeNode } from "./local-path-provisioner.ts";
import { defaultStorageClassObject } from "./default-storage-class.ts";

const ns = "default";
let env: ControllerTestEnv;
let storageDir: string;
const abort = new AbortController();

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

before(async () => {
  storageDir = mkdtempSync(join(tmpdir(), "k8ts-local-path-"));
  env = await controllerTestEnv({ clock: realClock });
  void new PVBinderController({
    ...env,
    recorder: env.recorder("persistentvolume-controller"),
  }).run(2, abort.signal);
  void new LocalPathProvisioner({
    ...env,
    storageDir,
    nodeName: "n1",
    recorder: env.recorder("rancher.io/local-path"),
  }).run(2, abort.signal);
  await env.start();
  for (const name of ["n1", "n2"])
    await env.client.create(nodesRef, undefined, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name } },
    });
});

after(async () => {
  abort.abort();
  await env.close();
  rmSync(storageDir, { recursive: true, force: true });
});

const claim = (name: string, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: ns },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "128Mi" } },
    storageClassName: "local-path",
    ...extra,
  },
});

async function reasons(name: string): Promise<string[]> {
  const list = await env.client.list<KObject & { reason?: string; involvedObject?: any }>(
    { group: "", version: "v1", resource: "events", namespaced: true },
    ns,
  );
  return list.items.filter((e) => e.involvedObject?.name === name).map((e) => e.reason!);
}

async function selectNode(name: string, node: string): Promise<Obj> {
  const c = await env.client.get<Obj>(persistentVolumeClaimsRef, ns, name);
  c.metadata!.annotations = {
    ...c.metadata?.annotations,
    "volume.kubernetes.io/selected-node": node,
  };
  return env.client.update(persistentVolumeClaimsRef, c);
}

const gone = async (name: string) =>
  env.client.get(persistentVolumesRef, undefined, name).then(
    () => false,
    (err: unknown) => isNotFound(err),
  );

test("provisionedVolume: a hostPath on the node, reserved for the claim; unsupported modes refused", () => {
  const sc = { ...defaultStorageClassObject(), reclaimPolicy: "Retain" };
  const node = { metadata: { name: "n1", labels: { "kubernetes.io/hostname": "host-1" } } };
  const c: PVC = { ...claim("data"), metadata: { name: "data", namespace: ns, uid: "u-1" } };
  const pv = provisionedVolume(c, sc, node, { storageDir: "/s", provisionerName: "p" });
  assert.ok(typeof pv !== "string");
  assert.equal(pv.metadata?.name, "pvc-u-1");
  assert.deepEqual(pv.spec?.hostPath, {
    path: "/s/pvc-u-1_default_data",
    type: "DirectoryOrCreate",
  });
  assert.equal(volumeNode(pv), "host-1");
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, "Retain");
  assert.deepEqual(pv.spec?.capacity, { storage: "128Mi" });
  assert.equal(pv.spec?.claimRef?.uid, "u-1");
  assert.equal(pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"], "p");
  const opts = { storageDir: "/s", provisionerName: "p" };
  assert.match(
    String(
      provisionedVolume(
        { ...c, spec: { ...c.spec, accessModes: ["ReadWriteMany"] } },
        sc,
        node,
        opts,
      ),
    ),
    /ReadWriteOnce/,
  );
  assert.match(
    String(provisionedVolume({ ...c, spec: { ...c.spec, volumeMode: "Block" } }, sc, node, opts)),
    /Filesystem/,
  );
});

test("the default class local-path is created at start", async () => {
  const sc = await until("class local-path", () =>
    env.client.get<Obj>(storageClassesRef, undefined, "local-path").catch(() => undefined),
  );
  assert.equal(sc.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
  assert.equal((sc as any).provisioner, "rancher.io/local-path");
  assert.equal((sc as any).volumeBindingMode, "WaitForFirstConsumer");
  assert.equal((sc as any).reclaimPolicy, "Delete");
});

test("a claim with a selected node is provisioned there and bound; deletion removes the directory", async () => {
  await env.client.create(persistentVolumeClaimsRef, ns, claim("data"));
  await until("WaitForFirstConsumer", async () =>
    (await reasons("data")).includes("WaitForFirstConsumer"),
  );
  await selectNode("data", "n1");
  const c = await until("claim Bound", async () => {
    const got = await env.client.get<Obj>(persistentVolumeClaimsRef, ns, "data");
    return got.status?.phase === "Bound" ? got : undefined;
  });
  const pvName = `pvc-${c.metadata?.uid}`;
  assert.equal(c.spec.volumeName, pvName);
  const pv = await env.client.get<Obj>(persistentVolumesRef, undefined, pvName);
  const dir = join(storageDir, `${pvName}_default_data`);
  assert.equal(pv.spec.hostPath.path, dir);
  assert.equal(volumeNode(pv), "n1");
  assert.equal(pv.status.phase, "Bound");
  await until("provisioning events", async () => {
    const r = await reasons("data");
    return r.includes("Provisioning") && r.includes("ProvisioningSucceeded");
  });
  // Made at once on the provisioner's own node, writable by any user.
  assert.equal(statSync(dir).mode & 0o777, 0o777);
  writeFileSync(join(dir, "file"), "x");
  await env.client.delete(persistentVolumeClaimsRef, ns, "data");
  await until("volume deleted", () => gone(pvName));
  assert.equal(existsSync(dir), false, "directory removed");
});

test("on another node helper pods make and remove the directory; a failed one is replaced", async () => {
  await env.client
    .create(namespacesRef, undefined, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "kube-system" },
    })
    .catch(() => undefined);
  const finish = async (pod: Obj, phase: string) =>
    env.client.update(podsRef, { ...pod, status: { phase } }, { subresource: "status" });
  const created = await env.client.create<Obj>(persistentVolumeClaimsRef, ns, claim("remote"));
  await selectNode("remote", "n2");
  const pvName = `pvc-${created.metadata?.uid}`;
  const maker = await until("create helper pod", () =>
    env.client
      .get<Obj>(podsRef, "kube-system", `helper-pod-create-${pvName}`)
      .catch(() => undefined),
  );
  assert.equal(maker.spec.nodeName, "n2");
  assert.deepEqual(maker.spec.containers[0].command, [
    "mkdir",
    "-m",
    "0777",
    "-p",
    `/storage/${pvName}_default_remote`,
  ]);
  assert.equal(await gone(pvName), true, "no volume before its directory exists");
  await finish(maker, "Succeeded");
  const c = await until("claim Bound", async () => {
    const got = await env.client.get<Obj>(persistentVolumeClaimsRef, ns, "remote");
    return got.status?.phase === "Bound" ? got : undefined;
  });
  assert.equal(c.spec.volumeName, pvName);
  const dir = join(storageDir, `${pvName}_default_remote`);
  mkdirSync(dir);
  await env.client.delete(persistentVolumeClaimsRef, ns, "remote");
  const helper = () =>
    env.client
      .get<Obj>(podsRef, "kube-system", `helper-pod-delete-${pvName}`)
      .catch(() => undefined);
  const first = await until("helper pod", helper);
  assert.equal(first.spec.nodeName, "n2");
  assert.deepEqual(first.spec.containers[0].command, [
    "rm",
    "-rf",
    `/storage/${pvName}_default_remote`,
  ]);
  assert.equal(first.spec.volumes[0].hostPath.path, storageDir);
  assert.equal(existsSync(dir), true, "this process does not touch another node's directory");
  assert.equal(await gone(pvName), false, "the volume waits for its helper");
  // A failed helper is replaced; a successful one lets the volume go.
  await finish(first, "Failed");
  const second = await until("a new helper pod", async () => {
    const p = await helper();
    return p && p.metadata?.uid !== first.metadata?.uid && !p.status?.phase?.match(/Failed/)
      ? p
      : undefined;
  });
  await finish(second, "Succeeded");
  await until("volume deleted", () => gone(pvName));
  await until("helper pod deleted", async () => !(await helper()));
  const events = await env.client.list<KObject & { reason?: string; involvedObject?: any }>(
    { group: "", version: "v1", resource: "events", namespaced: true },
    "",
  );
  assert.ok(
    events.items.some(
      (e) => e.involvedObject?.name === pvName && e.reason === "VolumeFailedDelete",
    ),
  );
});

test("a selected node that does not exist sends the claim back to the scheduler", async () => {
  await env.client.create(persistentVolumeClaimsRef, ns, claim("lost"));
  await selectNode("lost", "nowhere");
  await until("selected-node removed", async () => {
    const got = await env.client.get<Obj>(persistentVolumeClaimsRef, ns, "lost");
    const asked = got.metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"];
    return asked && !got.metadata?.annotations?.["volume.kubernetes.io/selected-node"];
  });
  assert.ok((await reasons("lost")).includes("ProvisioningFailed"));
  const pvs = await env.client.list<Obj>(persistentVolumesRef);
  assert.equal(pvs.items.filter((p) => p.spec.claimRef?.name === "lost").length, 0);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../../api/types.ts";
import type { RestClient } from "../../../client/rest-client.ts";
import { CycleState } from "../../framework/cycle-state.ts";
import type {
  FilterPlugin,
  PreBindPlugin,
  PreFilterPlugin,
  ReservePlugin,
} from "../../framework/interfaces.ts";
import { PodInfo } from "../../framework/pod-info.ts";
import { fakeCluster, filterAll, makeNode, makePod } from "../../testing/wrappers.ts";
import {
  ErrReasonBindConflict,
  ErrReasonNodeConflict,
  ErrReasonPVNotExist,
  ErrReasonUnboundImmediate,
  Name,
} from "./volumebinding.ts";

const bound = { "pv.kubernetes.io/bind-completed": "yes" };
const pvc = (name: string, spec: Record<string, unknown> = {}, annotations = {}): KObject => ({
  metadata: { name, namespace: "default", uid: `uid-${name}`, annotations },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
});
const onNode = (node: string) => ({
  required: {
    nodeSelectorTerms: [
      { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
    ],
  },
});
const pv = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name },
  spec: {
    capacity: { storage: "1Gi" },
    accessModes: ["ReadWriteOnce"],
    storageClassName: "local",
    ...spec,
  },
  status: { phase: "Available" },
});
const sc = (name: string, provisioner: string, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name },
  provisioner,
  volumeBindingMode: "WaitForFirstConsumer",
  ...extra,
});
const node = (name: string, zone: string) =>
  makeNode(name).labels({ "kubernetes.io/hostname": name, zone }).obj();
const withClaims = (...claimNames: string[]) =>
  makePod("p")
    .spec({
      volumes: claimNames.map((claimName, i) => ({
        name: `v${i}`,
        persistentVolumeClaim: { claimName },
      })),
    })
    .obj();

function cluster(
  extra: Record<string, KObject[]> = {},
  client?: Partial<RestClient>,
  signal?: AbortSignal,
) {
  return fakeCluster({
    nodes: [node("n1", "a"), node("n2", "b")],
    client: client as RestClient | undefined,
    signal,
    objects: {
      persistentvolumeclaims: [
        pvc("bound", { volumeName: "pv-n1" }, bound),
        pvc("dangling", { volumeName: "pv-gone" }, bound),
        pvc("immediate", { storageClassName: "" }),
        pvc("lazy", { storageClassName: "local" }),
        pvc("provisioned", { storageClassName: "dynamic" }),
        pvc("zoned", { storageClassName: "zone-b" }),
        {
          ...pvc("going", {}),
          metadata: {
            name: "going",
            namespace: "default",
            deletionTimestamp: "2026-01-01T00:00:00Z",
          },
        },
      ],
      persistentvolumes: [
        pv("pv-n1", {
          nodeAffinity: onNode("n1"),
          claimRef: { name: "bound", namespace: "default" },
        }),
      ],
      storageclasses: [
        sc("local", "kubernetes.io/no-provisioner"),
        sc("dynamic", "rancher.io/local-path"),
        sc("zone-b", "rancher.io/local-path", {
          allowedTopologies: [{ matchLabelExpressions: [{ key: "zone", values: ["b"] }] }],
        }),
      ],
      ...extra,
    },
  });
}

test("VolumeBinding filter: bound, immediate and delayed claims, static volumes and provisioning", () => {
  const pre = (m: string) => ({ n1: `prefilter: ${m}`, n2: `prefilter: ${m}` });
  const cases = [
    { name: "no claims", pod: makePod("p").obj(), want: { n1: "", n2: "" } },
    {
      name: "bound claim follows its volume",
      pod: withClaims("bound"),
      want: { n1: "", n2: ErrReasonNodeConflict },
    },
    {
      name: "bound to a missing volume",
      pod: withClaims("dangling"),
      want: { n1: ErrReasonPVNotExist, n2: ErrReasonPVNotExist },
    },
    {
      name: "unbound immediate claim",
      pod: withClaims("immediate"),
      want: pre(ErrReasonUnboundImmediate),
    },
    {
      name: "missing claim",
      pod: withClaims("nope"),
      want: pre('persistentvolumeclaim "nope" not found'),
    },
    {
      name: "terminating claim",
      pod: withClaims("going"),
      want: pre('persistentvolumeclaim "going" is being deleted'),
    },
    {
      name: "no volume, no provisioner",
      pod: withClaims("lazy"),
      want: { n1: ErrReasonBindConflict, n2: ErrReasonBindConflict },
    },
    { name: "provisionable anywhere", pod: withClaims("provisioned"), want: { n1: "", n2: "" } },
    {
      name: "allowedTopologies",
      pod: withClaims("zoned"),
      want: { n1: ErrReasonBindConflict, n2: "" },
    },
    {
      name: "bound + provisioned",
      pod: withClaims("bound", "provisioned"),
      want: { n1: "", n2: ErrReasonNodeConflict },
    },
  ];
  const c = cluster();
  for (const tc of cases) assert.deepEqual(filterAll(c, Name, tc.pod), tc.want, tc.name);
  // A local volume on n2 serves the delayed claim there only.
  const withPV = cluster({
    persistentvolumes: [pv("local-n2", { nodeAffinity: onNode("n2") })],
  });
  assert.deepEqual(filterAll(withPV, Name, withClaims("lazy")), {
    n1: ErrReasonBindConflict,
    n2: "",
  });
});

type Plugin = PreFilterPlugin & FilterPlugin & ReservePlugin & PreBindPlugin;
const plugin = (c: ReturnType<typeof cluster>) =>
  c.fw.plugins.all.find((p) => p.name === Name) as unknown as Plugin;

/** Runs PreFilter, Filter on every node and Reserve on `host`. */
function schedule(c: ReturnType<typeof cluster>, pod: Pod, host: string) {
  const p = plugin(c);
  const pi = new PodInfo(pod);
  const state = new CycleState();
  assert.equal(p.preFilter(state, pi, c.cache.nodeInfoList()), null);
  for (const n of c.cache.nodeInfoList()) p.filter(state, pi, n);
  assert.equal(p.reserve(state, pi, host), null);
  return { p, pi, state };
}

test("VolumeBinding reserve holds a static volume from other pods until unreserve", () => {
  const c = cluster({ persistentvolumes: [pv("only", {})] });
  const first = schedule(c, withClaims("lazy"), "n1");
  const other = makePod("q")
    .spec({ volumes: [{ name: "v", persistentVolumeClaim: { claimName: "lazy2" } }] })
    .obj();
  c.fw
    .lister("persistentvolumeclaims")
    .list()
    .push(pvc("lazy2", { storageClassName: "local" }));
  assert.deepEqual(filterAll(c, Name, other), {
    n1: ErrReasonBindConflict,
    n2: ErrReasonBindConflict,
  });
  first.p.unreserve(first.state, first.pi, "n1");
  assert.deepEqual(filterAll(c, Name, other), { n1: "", n2: "" });
});

test("VolumeBinding preBind: selected-node on claims to provision, claimRef on chosen volumes, then waits for binding", async () => {
  const calls: string[] = [];
  const client: Partial<RestClient> = {
    patch: (async (_ref: unknown, ns: string, name: string, _t: unknown, body: any) => {
      calls.push(`patch ${ns}/${name} ${JSON.stringify(body.metadata.annotations)}`);
      // Newer than the cache's copy: until the cache catches up, a missing
      // annotation there is not a reset.
      return { metadata: { resourceVersion: "10" } };
    }) as RestClient["patch"],
    update: (async (_ref: unknown, obj: any) => {
      calls.push(`update ${obj.metadata.name} claimRef=${obj.spec.claimRef.name}`);
      return obj;
    }) as RestClient["update"],
  };
  const c = cluster({ persistentvolumes: [pv("static", {})] }, client);
  const claims = c.fw.lister("persistentvolumeclaims").list() as any[];
  const volumes = c.fw.lister("persistentvolumes").list() as any[];
  const { p, pi, state } = schedule(c, withClaims("provisioned", "lazy"), "n2");
  let done: unknown = "pending";
  const result = p.preBind(state, pi, "n2").then((s) => (done = s));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [
    "update static claimRef=lazy",
    'patch default/provisioned {"volume.kubernetes.io/selected-node":"n2"}',
  ]);
  c.clock.advance(500);
  assert.equal(done, "pending", "waits while the claims are unbound");
  // The PV controller and the provisioner finish.
  const claim = (n: string) => claims.find((x) => x.metadata.name === n);
  claim("provisioned").metadata.annotations = {
    "volume.kubernetes.io/selected-node": "n2",
    ...bound,
  };
  claim("provisioned").spec.volumeName = "pvc-made";
  volumes.push(pv("pvc-made", { nodeAffinity: onNode("n2") }));
  claim("lazy").metadata.annotations = bound;
  claim("lazy").spec.volumeName = "static";
  c.clock.advance(100);
  await result;
  assert.equal(done, null);
});

test("VolumeBinding preBind fails when the selected node is reset or the binding times out", async () => {
  const client: Partial<RestClient> = {
    patch: (async () => ({})) as RestClient["patch"],
    update: (async (_r: unknown, o: KObject) => o) as RestClient["update"],
  };
  const c = cluster({}, client);
  const claims = c.fw.lister("persistentvolumeclaims").list() as any[];
  const first = schedule(c, withClaims("provisioned"), "n1");
  const reset = first.p.preBind(first.state, first.pi, "n1");
  await new Promise((r) => setImmediate(r));
  c.clock.advance(100);
  assert.match(
    (await reset)?.message() ?? "",
    /^binding volumes: selectedNode annotation reset for PVC "provisioned"/,
  );
  claims.find((x) => x.metadata.name === "provisioned").metadata.annotations = {
    "volume.kubernetes.io/selected-node": "n1",
  };
  const again = schedule(c, withClaims("provisioned"), "n1");
  const slow = again.p.preBind(again.state, again.pi, "n1");
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 6001; i++) c.clock.advance(100);
  assert.equal((await slow)?.message(), "binding volumes: timed out waiting for the condition");
});

test("VolumeBinding preBind stops waiting when the scheduler stops", async () => {
  const client: Partial<RestClient> = {
    patch: (async () => ({})) as RestClient["patch"],
    update: (async (_r: unknown, o: KObject) => o) as RestClient["update"],
  };
  const stopping = new AbortController();
  const c = cluster({}, client, stopping.signal);
  const claims = c.fw.lister("persistentvolumeclaims").list() as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  claims.find((x) => x.metadata.name === "provisioned").metadata.annotations = {
    "volume.kubernetes.io/selected-node": "n1",
  };
  const s = schedule(c, withClaims("provisioned"), "n1");
  let settled = false;
  const waiting = s.p.preBind(s.state, s.pi, "n1").finally(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  c.clock.advance(100);
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "still waiting for the binding");
  stopping.abort();
  c.clock.advance(100);
  assert.equal((await waiting)?.message(), "binding volumes: scheduler is shutting down");
});

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Mount } from "../runtime/runtime.ts";
import { PodWorker } from "./pod-worker.ts";
import { PodWorkerFixtures } from "./testing.ts";

const fixtures = new PodWorkerFixtures();
after(() => fixtures.dispose());

/** A pod with every volume kind a hollow node sees, one mounted with a subPath. */
function pod(configMap: string): Pod {
  return {
    metadata: { name: "p", namespace: "default", uid: "uid-h" },
    spec: {
      nodeName: "n",
      containers: [
        {
          name: "c",
          image: "busybox",
          command: ["sleep", "1000"],
          volumeMounts: [
            { name: "scratch", mountPath: "/scratch", subPath: "sub" },
            { name: "cfg", mountPath: "/cfg" },
            { name: "token", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
            { name: "info", mountPath: "/info" },
          ],
        },
      ],
      volumes: [
        { name: "scratch", emptyDir: {} },
        { name: "cfg", configMap: { name: configMap } },
        {
          name: "token",
          projected: {
            sources: [
              { serviceAccountToken: { path: "token" } },
              {
                configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] },
              },
            ],
          },
        },
        {
          name: "info",
          downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
        },
      ],
    },
  };
}

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }) : []);

async function flush(w: PodWorker): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  await w.settled();
}

const cases: {
  name: string;
  hostless: boolean;
  configMap: string;
  phase: string;
  waiting?: string;
  onHost: boolean;
}[] = [
  { name: "host", hostless: false, configMap: "app", phase: "Running", onHost: true },
  { name: "hostless", hostless: true, configMap: "app", phase: "Running", onHost: false },
  {
    name: "hostless, missing config map",
    hostless: true,
    configMap: "absent",
    phase: "Pending",
    waiting: "ContainerCreating",
    onHost: false,
  },
];

for (const c of cases) {
  test(`volumes, log directory and clean-up: ${c.name}`, async () => {
    const f = fixtures.make();
    const deps = {
      ...f.deps,
      hostless: c.hostless,
      tokens: async () => "a-token",
      source: {
        configMap: async (
          _ns: string,
          name: string,
        ): Promise<Record<string, string> | undefined> =>
          name === "app"
            ? { key: "value" }
            : name === "kube-root-ca.crt"
              ? { "ca.crt": "CA" }
              : undefined,
        secret: async () => undefined,
      },
    };
    const mounts: Mount[][] = [];
    const create = f.runtime.createContainer.bind(f.runtime);
    f.runtime.createContainer = (sandboxId, config, sandbox) => {
      mounts.push(config.mounts);
      return create(sandboxId, config, sandbox);
    };
    const w = new PodWorker(pod(c.configMap), deps);
    w.trigger();
    await flush(w);
    const status = f.statusOf.get("uid-h")!;
    assert.equal(status.phase, c.phase);
    assert.equal(status.containerStatuses?.[0]?.state?.waiting?.reason, c.waiting);
    if (c.phase === "Running") {
      // The same mounts either way: each volume's usual path under the pod's directory.
      const vols = join(f.deps.podsDir, "uid-h", "volumes");
      assert.deepEqual(
        mounts[0]!.map((m) => m.hostPath),
        [
          join(vols, "kubernetes.io~empty-dir", "scratch", "sub"),
          join(vols, "kubernetes.io~configmap", "cfg"),
          join(vols, "kubernetes.io~projected", "token"),
          join(vols, "kubernetes.io~downward-api", "info"),
        ],
      );
    } else assert.match(f.events.join("\n"), /FailedMount .*configmap "absent" not found/);
    assert.equal(entries(f.deps.podsDir).length > 0, c.onHost, "pod directory");
    assert.equal(entries(f.deps.logsDir).length > 0, c.onHost, "log directory");

    w.remove();
    await flush(w);
    assert.deepEqual(f.done, ["uid-h"]);
    assert.deepEqual(entries(join(f.deps.podsDir, "uid-h")), []);
    assert.deepEqual(entries(f.deps.logsDir), []);
    assert.deepEqual(await f.runtime.listPodSandbox(), []);
  });
}

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../testing/test-server.ts";
import { makePod, startAdmissionServer } from "./admission-test-server.ts";
import { tokenVolume } from "./service-account.ts";

let t: TestServer;
before(async () => {
  t = await startAdmissionServer({ enable: [], disable: ["ResourceQuota"] });
  await t.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "sa" },
  });
});
after(() => t.close());

const podsPath = "/api/v1/namespaces/sa/pods";

test("a pod naming a missing service account is forbidden with upstream's message", async () => {
  const res = await t.call("POST", podsPath, makePod("lonely"));
  assert.equal(res.status, 403, res.text);
  assert.equal(
    res.body.message,
    'pods "lonely" is forbidden: error looking up service account sa/default: serviceaccount "default" not found',
  );
});

test("pods get the default service account and the projected token volume in every container", async () => {
  for (const name of ["default", "quiet"]) {
    const res = await t.call("POST", "/api/v1/namespaces/sa/serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name },
      ...(name === "quiet" ? { automountServiceAccountToken: false } : {}),
    });
    assert.equal(res.status, 201, res.text);
  }
  const cases: {
    pod: Record<string, unknown>;
    sa: string;
    mounted: boolean;
  }[] = [
    { pod: makePod("plain", { a: {}, b: {} }), sa: "default", mounted: true },
    {
      pod: makePod("init", { a: {} }, { initContainers: [{ name: "i", image: "busybox" }] }),
      sa: "default",
      mounted: true,
    },
    {
      pod: makePod("optout", { a: {} }, { automountServiceAccountToken: false }),
      sa: "default",
      mounted: false,
    },
    {
      pod: makePod("quiet-sa", { a: {} }, { serviceAccountName: "quiet" }),
      sa: "quiet",
      mounted: false,
    },
    {
      pod: makePod(
        "quiet-optin",
        { a: {} },
        { serviceAccountName: "quiet", automountServiceAccountToken: true },
      ),
      sa: "quiet",
      mounted: true,
    },
  ];
  for (const c of cases) {
    const res = await t.call("POST", podsPath, c.pod);
    assert.equal(res.status, 201, res.text);
    const spec = res.body.spec;
    assert.equal(spec.serviceAccountName, c.sa);
    assert.equal(spec.serviceAccount, c.sa);
    const volumes = (spec.volumes ?? []).filter((v: { name: string }) =>
      v.name.startsWith("kube-api-access-"),
    );
    assert.equal(volumes.length, c.mounted ? 1 : 0, JSON.stringify(spec.volumes));
    const all = [...(spec.initContainers ?? []), ...spec.containers];
    for (const container of all) {
      const mounts = (container.volumeMounts ?? []).filter(
        (m: { mountPath: string }) =>
          m.mountPath === "/var/run/secrets/kubernetes.io/serviceaccount",
      );
      if (!c.mounted) {
        assert.equal(mounts.length, 0);
        continue;
      }
      assert.deepEqual(mounts, [
        {
          name: volumes[0].name,
          readOnly: true,
          mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        },
      ]);
    }
    if (c.mounted) {
      assert.match(volumes[0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(volumes[0], tokenVolume(volumes[0].name));
      const projected = volumes[0].projected as { sources: { serviceAccountToken?: unknown }[] };
      assert.deepEqual(projected.sources[0].serviceAccountToken, {
        expirationSeconds: 3607,
        path: "token",
      });
    }
  }
});

test("a container already mounting the token path keeps its own mount", async () => {
  const pod = makePod(
    "own",
    {
      a: {
        volumeMounts: [
          { name: "mine", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
        ],
      },
    },
    { volumes: [{ name: "mine", emptyDir: {} }] },
  );
  const res = await t.call("POST", podsPath, pod);
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(
    res.body.spec.volumes.map((v: { name: string }) => v.name),
    ["mine"],
  );
});

/**
 * Per-component identities in `k8ts server`: the in-process scheduler and
 * controller manager authenticate with their own client certificates
 * (system:kube-scheduler, system:kube-controller-manager), so RBAC decides
 * what they may do; by default each controller writes as its own service
 * account (--use-service-account-credentials, =false to use the manager's). The audit log shows who bound and who created the pods
 * of a Deployment; SubjectAccessReviews show the identities' limits; the
 * certificate files sit in the data dir (keys 0600).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { useAuditedCluster } from "./audited-cluster.ts";
import { eventually } from "./harness.ts";

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create"]
  resources:
  - group: ""
    resources: ["pods", "pods/binding"]
- level: None
`;

describe("component identities", () => {
  const audited = useAuditedCluster(POLICY, ["--use-service-account-credentials=false"]);

  test("the scheduler binds as system:kube-scheduler, the controllers create pods as system:kube-controller-manager", async () => {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "idnode", labels: { "kubernetes.io/hostname": "idnode" } },
      status: {
        capacity: { cpu: "4", memory: "8Gi", pods: "110" },
        allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      },
    };
    await audited.cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "idweb" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "idweb" } },
        template: {
          metadata: { labels: { app: "idweb" } },
          spec: {
            // No kubelet runs: tolerate the not-ready taints the node gets.
            tolerations: [{ operator: "Exists" }],
            containers: [{ name: "c", image: "busybox" }],
          },
        },
      },
    };
    await audited.cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(deployment) });
    await eventually(
      "both pods bound to idnode",
      async () => {
        const out = await audited.cluster.kubectlOk([
          "get",
          "pods",
          "-l",
          "app=idweb",
          "-o",
          'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}',
        ]);
        const nodes = out.trim().split("\n").filter(Boolean);
        return nodes.length === 2 && nodes.every((n) => n === "idnode") ? true : undefined;
      },
      { timeoutMs: 90_000, context: () => audited.cluster.logs().slice(-3000) },
    );
    // The log is appended after each response goes out: it can trail what the API shows.
    const inDefault = (all: any[]) => all.filter((e) => e.objectRef?.namespace === "default");
    const bindingsOf = (all: any[]) => all.filter((e) => e.objectRef.subresource === "binding");
    const createsOf = (all: any[]) =>
      all.filter((e) => !e.objectRef.subresource && e.responseStatus.code === 201);
    const events = inDefault(
      await audited.eventsWhen((all) => {
        const mine = inDefault(all);
        return bindingsOf(mine).length >= 2 && createsOf(mine).length >= 2;
      }),
    );
    const bindings = bindingsOf(events);
    assert.ok(bindings.length >= 2, JSON.stringify(events));
    for (const b of bindings) {
      assert.equal(b.user.username, "system:kube-scheduler");
      assert.equal(b.responseStatus.code, 201);
    }
    const creates = createsOf(events);
    assert.ok(creates.length >= 2);
    for (const c of creates) assert.equal(c.user.username, "system:kube-controller-manager");
  });

  test("RBAC limits each identity as upstream's bootstrap roles", async () => {
    const cases: [string[], string[], "yes" | "no"][] = [
      [["create", "pods", "--subresource", "binding"], ["--as", "system:kube-scheduler"], "yes"],
      [["update", "pods", "--subresource", "status"], ["--as", "system:kube-scheduler"], "yes"],
      [["get", "secrets"], ["--as", "system:kube-scheduler"], "no"],
      [["create", "deployments.apps"], ["--as", "system:kube-scheduler"], "no"],
      [["watch", "endpointslices.discovery.k8s.io"], ["--as", "system:kube-proxy"], "yes"],
      [["list", "services"], ["--as", "system:kube-proxy"], "yes"],
      [["create", "pods"], ["--as", "system:kube-proxy"], "no"],
      [["get", "secrets"], ["--as", "system:kube-proxy"], "no"],
      [
        ["update", "nodes/idnode", "--subresource", "status"],
        ["--as", "system:node:idnode", "--as-group", "system:nodes"],
        "yes",
      ],
      [
        ["get", "secrets/other"],
        ["--as", "system:node:idnode", "--as-group", "system:nodes"],
        "no",
      ],
      [["create", "pods"], ["--as", "system:kube-controller-manager"], "yes"],
    ];
    for (const [what, as, want] of cases) {
      const r = await audited.cluster.kubectl(["auth", "can-i", ...what, ...as]);
      assert.equal(
        r.stdout.trim().split(" ")[0],
        want,
        `${as.join(" ")} can-i ${what.join(" ")}: ${r.stderr}`,
      );
    }
  });

  test("the component certificates are in the tls dir with upstream subjects, keys 0600", async () => {
    const want: [string, RegExp][] = [
      ["kube-scheduler", /^CN=system:kube-scheduler$/],
      ["kube-controller-manager", /^CN=system:kube-controller-manager$/],
    ];
    for (const [file, subject] of want) {
      const cert = new X509Certificate(
        await readFile(join(audited.cluster.dataDir, "tls", `${file}.crt`)),
      );
      assert.match(cert.subject.trim(), subject);
      const ca = new X509Certificate(
        await readFile(join(audited.cluster.dataDir, "tls", "ca.crt")),
      );
      assert.ok(cert.verify(ca.publicKey), `${file} is signed by the cluster CA`);
      const mode = (await stat(join(audited.cluster.dataDir, "tls", `${file}.key`))).mode & 0o777;
      assert.equal(mode, 0o600);
    }
  });
});

describe("--use-service-account-credentials (on by default)", () => {
  // The default: no --use-service-account-credentials flag.
  const audited = useAuditedCluster(
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      'omitStages: ["RequestReceived"]',
      "rules:",
      "- level: Metadata",
      '  verbs: ["create", "delete", "update"]',
      '  namespaces: ["sacreds"]',
      "- level: None",
      "",
    ].join("\n"),
  );

  test("each controller writes as kube-system/<controller> under its system:controller role", async () => {
    await audited.cluster.kubectlOk(["create", "namespace", "sacreds"]);
    // No node: the pods stay unscheduled, so deleting them needs no kubelet.
    await audited.cluster.kubectlOk(["apply", "-n", "sacreds", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "saweb" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "saweb" } },
          template: {
            metadata: { labels: { app: "saweb" } },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          },
        },
      }),
    });
    const context = { timeoutMs: 90_000, context: () => audited.cluster.logs().slice(-3000) };
    await eventually(
      "two pods",
      async () => {
        const out = await audited.cluster.kubectlOk(["get", "pods", "-n", "sacreds", "-o", "name"]);
        return out.trim().split("\n").filter(Boolean).length === 2 ? true : undefined;
      },
      context,
    );
    await audited.cluster.kubectlOk(["delete", "deployment", "saweb", "-n", "sacreds"]);
    await eventually(
      "the garbage collector removed the pods",
      async () => {
        const out = await audited.cluster.kubectlOk([
          "get",
          "pods,rs",
          "-n",
          "sacreds",
          "-o",
          "name",
        ]);
        return out.trim() === "" ? true : undefined;
      },
      context,
    );
    // The log is appended after each response goes out: wait for the replica set's deletion.
    const events = await audited.eventsWhen((all) =>
      all.some(
        (e) =>
          e.verb === "delete" &&
          e.objectRef?.resource === "replicasets" &&
          !e.objectRef.subresource &&
          e.responseStatus.code < 300,
      ),
    );
    const who = (verb: string, resource: string) =>
      new Set(
        events
          .filter(
            (e) =>
              e.verb === verb &&
              e.objectRef?.resource === resource &&
              !e.objectRef.subresource &&
              e.responseStatus.code < 300,
          )
          .map((e) => e.user.username),
      );
    const sa = (n: string) => `system:serviceaccount:kube-system:${n}`;
    assert.deepEqual([...who("create", "replicasets")], [sa("deployment-controller")]);
    assert.deepEqual([...who("create", "pods")], [sa("replicaset-controller")]);
    assert.deepEqual([...who("delete", "replicasets")], [sa("generic-garbage-collector")]);
    const can = async (user: string, args: string[]) =>
      (await audited.cluster.kubectl(["auth", "can-i", ...args, "--as", user])).stdout
        .trim()
        .split(" ")[0];
    assert.equal(await can(sa("replicaset-controller"), ["create", "pods"]), "yes");
    assert.equal(await can(sa("replicaset-controller"), ["get", "secrets"]), "no");
    assert.equal(await can(sa("deployment-controller"), ["delete", "pods"]), "no");
  });
});

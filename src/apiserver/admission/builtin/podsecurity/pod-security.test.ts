import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../../testing/test-server.ts";
import { makePod, startAdmissionServer } from "../admission-test-server.ts";
import type { KObject, ResourceDef } from "../../../../api/types.ts";
import type { AdmissionAttributes } from "../../../pipeline.ts";
import { ServerRef } from "../server-ref.ts";
import { evaluatePod, formatFailures } from "./checks.ts";
import { podSecurityPlugin } from "./pod-security.ts";

let t: TestServer;
before(async () => {
  t = await startAdmissionServer({ disable: ["ServiceAccount", "ResourceQuota"] });
  for (const [name, level] of [
    ["strict", "restricted"],
    ["base", "baseline"],
  ]) {
    const res = await t.call("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "pod-security.kubernetes.io/enforce": level } },
    });
    assert.equal(res.status, 201, res.text);
  }
});
after(() => t.close());

const privileged = makePod("priv", { c: { securityContext: { privileged: true } } });
const compliant = makePod("good", {
  c: {
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
  },
});

test("enforce labels reject violating pods with upstream's message", async () => {
  const cases: [string, Record<string, unknown>, number, string?][] = [
    [
      "strict",
      privileged,
      403,
      'pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ],
    [
      "base",
      privileged,
      403,
      'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    ],
    ["base", makePod("plain"), 201],
    ["strict", compliant, 201],
    ["default", privileged, 201],
  ];
  for (const [ns, pod, status, message] of cases) {
    const res = await t.call("POST", `/api/v1/namespaces/${ns}/pods`, pod);
    assert.equal(res.status, status, `${ns}: ${res.text}`);
    if (message) assert.equal(res.body.message, message);
    if (status === 201)
      await t.call(
        "DELETE",
        `/api/v1/namespaces/${ns}/pods/${(pod.metadata as { name: string }).name}`,
      );
  }
});

test("baseline checks name host namespaces, hostPath, capabilities and ports", () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    volumes: [{ name: "root", hostPath: { path: "/" } }],
    containers: [
      {
        name: "a",
        ports: [{ containerPort: 80, hostPort: 8080 }],
        securityContext: { capabilities: { add: ["NET_ADMIN", "CHOWN"] } },
      },
      { name: "b", securityContext: { seccompProfile: { type: "Unconfined" } } },
    ],
  };
  assert.equal(
    formatFailures(evaluatePod("baseline", spec)),
    'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), hostPort (container "a" uses hostPort 8080), seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined")',
  );
  assert.deepEqual(evaluatePod("privileged", spec), []);
});

test("warn labels produce upstream's warning for pods and workload templates", async () => {
  const ns = await t.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "warned",
      labels: {
        "pod-security.kubernetes.io/warn": "baseline",
        "pod-security.kubernetes.io/warn-version": "v1.32",
      },
    },
  });
  assert.equal(ns.status, 201, ns.text);
  const plugin = podSecurityPlugin(new ServerRef(t.server.context));
  const registry = t.server.context.registry;
  const cases: [ResourceDef, KObject][] = [
    [registry.get("", "v1", "pods")!, privileged as KObject],
    [
      registry.get("apps", "v1", "deployments")!,
      { metadata: { name: "d" }, spec: { template: { spec: privileged.spec } } } as KObject,
    ],
  ];
  for (const [def, object] of cases) {
    const warnings: string[] = [];
    await plugin.validate!({
      operation: "CREATE",
      def,
      subresource: "",
      namespace: "warned",
      name: object.metadata?.name ?? "",
      object,
      user: { username: "u", groups: [] },
      dryRun: false,
      warnings,
    } as AdmissionAttributes);
    assert.deepEqual(warnings, [
      'would violate PodSecurity "baseline:v1.32": privileged (container "c" must not set securityContext.privileged=true)',
    ]);
  }
});

test("configured defaults apply to unlabelled namespaces; exemptions skip checks", async () => {
  const plugin = podSecurityPlugin(new ServerRef(t.server.context), {
    defaults: { enforce: "baseline" },
    exemptions: { usernames: ["system:admin"], namespaces: ["trusted"] },
  });
  const def = t.server.context.registry.get("", "v1", "pods")!;
  const attempt = async (namespace: string, username: string) => {
    try {
      await plugin.validate!({
        operation: "CREATE",
        def,
        subresource: "",
        namespace,
        name: "priv",
        object: privileged as KObject,
        user: { username, groups: [] },
        dryRun: false,
      });
      return "allowed";
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(
    await attempt("default", "alice"),
    /violates PodSecurity "baseline:latest": privileged/,
  );
  assert.equal(await attempt("trusted", "alice"), "allowed");
  assert.equal(await attempt("default", "system:admin"), "allowed");
});

test("baseline checks on AppArmor, procMount, SELinux and Windows HostProcess", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
    [
      "AppArmor annotation and field",
      {
        securityContext: { appArmorProfile: { type: "Unconfined" } },
        containers: [{ name: "a" }],
      },
      {
        annotations: {
          "container.apparmor.security.beta.kubernetes.io/a": "unconfined",
          "container.apparmor.security.beta.kubernetes.io/b": "localhost/custom",
        },
      },
      'forbidden AppArmor profiles (container.apparmor.security.beta.kubernetes.io/a="unconfined", pod must not set securityContext.appArmorProfile.type to "Unconfined")',
    ],
    [
      "procMount",
      {
        containers: [
          { name: "a", securityContext: { procMount: "Unmasked" } },
          { name: "b", securityContext: { procMount: "Default" } },
        ],
      },
      {},
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
    ],
    [
      "SELinux type, user and role",
      {
        securityContext: { seLinuxOptions: { type: "spc_t", user: "root" } },
        containers: [
          { name: "a", securityContext: { seLinuxOptions: { role: "sysadm_r", type: "x_t" } } },
          { name: "b", securityContext: { seLinuxOptions: { type: "container_t", level: "s0" } } },
        ],
      },
      {},
      'seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: types "spc_t", "x_t"; user may not be set; role may not be set)',
    ],
    [
      "Windows HostProcess",
      {
        securityContext: { windowsOptions: { hostProcess: true } },
        containers: [{ name: "w", securityContext: { windowsOptions: { hostProcess: true } } }],
      },
      {},
      'hostProcess (pod and container "w" must not set securityContext.windowsOptions.hostProcess=true)',
    ],
  ];
  for (const [name, spec, meta, want] of cases) {
    assert.equal(formatFailures(evaluatePod("baseline", spec, meta)), want, name);
    assert.match(
      formatFailures(evaluatePod("restricted", spec, meta)),
      new RegExp(want.split(" (")[0]),
      name,
    );
  }
  assert.deepEqual(
    evaluatePod("baseline", {
      containers: [
        { name: "ok", securityContext: { seLinuxOptions: { type: "container_init_t" } } },
      ],
    }),
    [],
  );
});

test("audit labels record audit-violations; evaluated pods record enforce-policy; exemptions record exempt", async () => {
  const ns = await t.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "audited",
      labels: {
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/enforce": "baseline",
      },
    },
  });
  assert.equal(ns.status, 201, ns.text);
  const plugin = podSecurityPlugin(new ServerRef(t.server.context), {
    exemptions: { usernames: ["ci-bot"] },
  });
  const def = t.server.context.registry.get("", "v1", "pods")!;
  const run = async (object: Record<string, unknown>, username = "alice") => {
    const auditAnnotations: Record<string, string> = {};
    await plugin.validate!({
      operation: "CREATE",
      def,
      subresource: "",
      namespace: "audited",
      name: "p",
      object: object as KObject,
      user: { username, groups: [] },
      dryRun: false,
      warnings: [],
      auditAnnotations,
    });
    return auditAnnotations;
  };
  assert.deepEqual(await run(makePod("plain")), {
    "pod-security.kubernetes.io/enforce-policy": "baseline:latest",
    "pod-security.kubernetes.io/audit-violations":
      'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  });
  assert.deepEqual(await run(compliant), {
    "pod-security.kubernetes.io/enforce-policy": "baseline:latest",
  });
  assert.deepEqual(await run(privileged, "ci-bot"), {
    "pod-security.kubernetes.io/exempt": "user",
  });
});

test("restricted's Linux-only checks pass pods declaring spec.os.name windows", () => {
  const containers = [{ name: "w", securityContext: { runAsNonRoot: true } }];
  assert.deepEqual(
    formatFailures(evaluatePod("restricted", { containers })).split(", (")[0].split(" (")[0],
    "allowPrivilegeEscalation != false",
  );
  assert.deepEqual(evaluatePod("restricted", { os: { name: "windows" }, containers }), []);
});

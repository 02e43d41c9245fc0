import { test } from "node:test";
import { assertErrors, createErrors, updateErrors, type Expect } from "./testing.ts";

type Case = [string, string, string, any, Expect];

const ingressBackend = { service: { name: "web", port: { number: 80 } } };

test("validation of the smaller groups", () => {
  const cases: Case[] = [
    [
      "role valid",
      "rbac.authorization.k8s.io",
      "roles",
      {
        metadata: { name: "r", namespace: "d" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
      },
      [],
    ],
    [
      "role rule without verbs",
      "rbac.authorization.k8s.io",
      "roles",
      {
        metadata: { name: "r", namespace: "d" },
        rules: [{ apiGroups: [""], resources: ["pods"] }],
      },
      [["rules[0].verbs", "Required value: verbs must contain at least one value"]],
    ],
    [
      "role with non-resource URLs",
      "rbac.authorization.k8s.io",
      "roles",
      {
        metadata: { name: "r", namespace: "d" },
        rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }],
      },
      [
        [
          "rules[0].nonResourceURLs",
          'Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
        ],
      ],
    ],
    [
      "clusterrole names may contain colons",
      "rbac.authorization.k8s.io",
      "clusterroles",
      { metadata: { name: "system:node" }, rules: [] },
      [],
    ],
    [
      "binding defaults apiGroups",
      "rbac.authorization.k8s.io",
      "rolebindings",
      {
        metadata: { name: "b", namespace: "d" },
        roleRef: { kind: "Role", name: "r" },
        subjects: [
          { kind: "User", name: "alice" },
          { kind: "ServiceAccount", name: "sa" },
        ],
      },
      [],
    ],
    [
      "clusterrolebinding to a Role",
      "rbac.authorization.k8s.io",
      "clusterrolebindings",
      { metadata: { name: "b" }, roleRef: { kind: "Role", name: "r" } },
      [["roleRef.kind", 'Unsupported value: "Role": supported values: "ClusterRole"']],
    ],
    [
      "ingress without rules or backend",
      "networking.k8s.io",
      "ingresses",
      { metadata: { name: "i", namespace: "d" }, spec: {} },
      [
        [
          "spec",
          "Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified",
        ],
      ],
    ],
    [
      "ingress path without pathType",
      "networking.k8s.io",
      "ingresses",
      {
        metadata: { name: "i", namespace: "d" },
        spec: {
          rules: [
            { host: "a.example.com", http: { paths: [{ path: "/", backend: ingressBackend }] } },
          ],
        },
      },
      [["spec.rules[0].http.paths[0].pathType", "Required value: pathType must be specified"]],
    ],
    [
      "ingress valid",
      "networking.k8s.io",
      "ingresses",
      {
        metadata: { name: "i", namespace: "d" },
        spec: {
          rules: [
            {
              host: "*.example.com",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: ingressBackend }] },
            },
          ],
        },
      },
      [],
    ],
    [
      "netpol valid",
      "networking.k8s.io",
      "networkpolicies",
      { metadata: { name: "n", namespace: "d" }, spec: { podSelector: {} } },
      [],
    ],
    [
      "pdb with both bounds",
      "policy",
      "poddisruptionbudgets",
      {
        metadata: { name: "p", namespace: "d" },
        spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { a: "b" } } },
      },
      [
        [
          "spec.minAvailable",
          "Invalid value: 1: minAvailable and maxUnavailable cannot be both set",
        ],
      ],
    ],
    [
      "priority class with reserved prefix",
      "scheduling.k8s.io",
      "priorityclasses",
      { metadata: { name: "system-mine" }, value: 10 },
      [["metadata.name", "Forbidden: priority class names with 'system-' prefix are reserved"]],
    ],
    [
      "system priority class",
      "scheduling.k8s.io",
      "priorityclasses",
      { metadata: { name: "system-node-critical" }, value: 2000001000 },
      [],
    ],
    [
      "storage class needs a provisioner",
      "storage.k8s.io",
      "storageclasses",
      { metadata: { name: "s" } },
      [["provisioner", "Required value"]],
    ],
    [
      "endpointslice address type",
      "discovery.k8s.io",
      "endpointslices",
      { metadata: { name: "e", namespace: "d" }, addressType: "IPv5", endpoints: [] },
      [["addressType", 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']],
    ],
    [
      "lease duration",
      "coordination.k8s.io",
      "leases",
      { metadata: { name: "l", namespace: "d" }, spec: { leaseDurationSeconds: 0 } },
      [["spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"]],
    ],
    [
      "hpa bounds",
      "autoscaling",
      "horizontalpodautoscalers",
      {
        metadata: { name: "h", namespace: "d" },
        spec: { scaleTargetRef: { kind: "Deployment", name: "w" }, minReplicas: 3, maxReplicas: 2 },
      },
      [["spec.maxReplicas", "Invalid value: 2: must be greater than or equal to `minReplicas`"]],
    ],
    [
      "namespace name is a DNS label",
      "",
      "namespaces",
      { metadata: { name: "a.b" } },
      [["metadata.name", /^Invalid value: "a\.b": a lowercase RFC 1123 label/]],
    ],
    [
      "cluster-scoped kinds reject a namespace",
      "",
      "nodes",
      { metadata: { name: "n1", namespace: "default" } },
      [["metadata.namespace", "Forbidden: not allowed on this type"]],
    ],
    [
      "configmap keys",
      "",
      "configmaps",
      { metadata: { name: "c", namespace: "d" }, data: { "a/b": "x" } },
      [
        [
          "data[a/b]",
          /^Invalid value: "a\/b": a valid config key must consist of alphanumeric characters, '-', '_' or '\.' \(e\.g\. 'key\.name', or 'KEY_NAME', or 'key-name', regex used for validation is '\[-\._a-zA-Z0-9\]\+'\)$/,
        ],
      ],
    ],
    [
      "tls secret keys",
      "",
      "secrets",
      {
        metadata: { name: "s", namespace: "d" },
        type: "kubernetes.io/tls",
        data: { "tls.crt": "eA==" },
      },
      [["data[tls.key]", "Required value"]],
    ],
    [
      "owner references",
      "",
      "configmaps",
      {
        metadata: {
          name: "c",
          namespace: "d",
          ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p" }],
        },
      },
      [["metadata.ownerReferences.uid", 'Invalid value: "": uid must not be empty']],
    ],
  ];
  for (const [name, group, resource, obj, want] of cases)
    assertErrors(createErrors(group, resource, obj), want, name);
});

test("update rules of the smaller groups", () => {
  const binding = () => ({
    metadata: { name: "b", namespace: "d" },
    roleRef: { kind: "Role", name: "r" },
    subjects: [],
  });
  const old = binding();
  createErrors("rbac.authorization.k8s.io", "rolebindings", old);
  const changed: any = binding();
  changed.roleRef.name = "other";
  assertErrors(
    updateErrors("rbac.authorization.k8s.io", "rolebindings", changed, old),
    [["roleRef", /cannot change roleRef$/]],
    "roleRef",
  );

  const cm = { metadata: { name: "c", namespace: "d" }, immutable: true, data: { a: "1" } };
  const cm2 = { metadata: { name: "c", namespace: "d" }, immutable: true, data: { a: "2" } };
  assertErrors(
    updateErrors("", "configmaps", cm2, cm),
    [["data", "Forbidden: field is immutable when `immutable` is set"]],
    "immutable configmap",
  );

  const pc = { metadata: { name: "high" }, value: 10 };
  createErrors("scheduling.k8s.io", "priorityclasses", pc);
  assertErrors(
    updateErrors(
      "scheduling.k8s.io",
      "priorityclasses",
      { metadata: { name: "high" }, value: 11 },
      pc,
    ),
    [["value", "Forbidden: may not be changed in an update."]],
    "pc value",
  );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { checkLogsAvailable, resolveContainer } from "./pod-subresources.ts";
import { forwardedHeaders, kubeletError } from "./forward.ts";
import { nodeAddress } from "./kubelet-client.ts";

const pod = (containers: string[], inits: string[] = [], statuses: Pod["status"] = {}): Pod => ({
  metadata: { name: "web", namespace: "default" },
  spec: {
    containers: containers.map((name) => ({ name })),
    initContainers: inits.map((name) => ({ name })),
  },
  status: statuses,
});

test("resolveContainer defaults a single container and rejects unknown names", () => {
  const cases: [Pod, string | null, string | RegExp][] = [
    [pod(["main"]), null, "main"],
    [pod(["a", "b"]), "b", "b"],
    [pod(["a"], ["init"]), "init", "init"],
    [
      pod(["a", "b"]),
      null,
      /a container name must be specified for pod web, choose one of: \[a b\]/,
    ],
    [pod(["a", "b"], ["i"]), null, /or one of the init containers: \[i\]/],
    [pod(["a"]), "nope", /container nope is not valid for pod web/],
  ];
  for (const [p, requested, want] of cases) {
    if (typeof want === "string") assert.equal(resolveContainer(p, requested), want);
    else assert.throws(() => resolveContainer(p, requested), want);
  }
});

test("checkLogsAvailable rejects containers still waiting to start", () => {
  const waiting = pod(["main"], [], {
    containerStatuses: [
      {
        name: "main",
        ready: false,
        restartCount: 0,
        image: "busybox",
        imageID: "",
        state: { waiting: { reason: "ImagePullBackOff" } },
      },
    ],
  });
  assert.throws(
    () => checkLogsAvailable(waiting, "main", false),
    /container "main" in pod "web" is waiting to start: ImagePullBackOff/,
  );
  assert.doesNotThrow(() => checkLogsAvailable(waiting, "main", true));
  assert.throws(() => checkLogsAvailable(pod(["main"]), "main", false), /ContainerCreating/);
  const restarted = structuredClone(waiting);
  restarted.status!.containerStatuses![0].lastState = { terminated: { exitCode: 1 } };
  assert.doesNotThrow(() => checkLogsAvailable(restarted, "main", false));
});

test("forwardedHeaders drops credentials and hop-by-hop headers", () => {
  const h = {
    authorization: "Bearer x",
    "impersonate-user": "bob",
    host: "api",
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-protocol": "v5.channel.k8s.io",
    "user-agent": "kubectl",
  };
  assert.deepEqual(forwardedHeaders(h, true), {
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-protocol": "v5.channel.k8s.io",
    "user-agent": "kubectl",
  });
  assert.deepEqual(Object.keys(forwardedHeaders(h, false)).sort(), [
    "sec-websocket-protocol",
    "user-agent",
  ]);
});

test("kubeletError maps kubelet answers to Status reasons", () => {
  const cases: [number, string, string, number][] = [
    [400, "bad\n", "BadRequest", 400],
    [404, "", "NotFound", 404],
    [403, "Forbidden", "Forbidden", 403],
    [502, "x", "InternalError", 500],
  ];
  for (const [code, body, reason, want] of cases) {
    const e = kubeletError(code, body);
    assert.equal(e.reason, reason);
    assert.equal(e.code, want);
  }
  assert.equal(kubeletError(400, "bad\n").message, "bad");
});

test("nodeAddress prefers InternalIP, then Hostname", () => {
  const node = (addrs: [string, string][]) => ({
    status: { addresses: addrs.map(([type, address]) => ({ type, address })) },
  });
  assert.equal(
    nodeAddress(
      node([
        ["Hostname", "n1"],
        ["InternalIP", "127.0.0.1"],
      ]),
    ),
    "127.0.0.1",
  );
  assert.equal(nodeAddress(node([["Hostname", "n1"]])), "n1");
  assert.equal(nodeAddress(node([])), undefined);
});

test("splitSchemeNamePort parses [scheme:]name[:port]", async () => {
  const { splitSchemeNamePort } = await import("./workload-proxy.ts");
  const cases: [string, { scheme: string; name: string; port: string } | RegExp][] = [
    ["web", { scheme: "", name: "web", port: "" }],
    ["web:8080", { scheme: "", name: "web", port: "8080" }],
    ["https:web:https", { scheme: "https", name: "web", port: "https" }],
    ["ftp:web:21", /invalid service request/],
    ["a:b:c:d", /invalid service request/],
  ];
  for (const [id, want] of cases) {
    if (want instanceof RegExp) assert.throws(() => splitSchemeNamePort(id), want);
    else assert.deepEqual(splitSchemeNamePort(id), want);
  }
});

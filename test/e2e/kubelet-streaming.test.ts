/**
 * kubectl logs / exec / port-forward / top end to end: a real
 * `k8ts server --disable-agent`, the kubelet in this process with its own
 * containerd (own root/state/socket), its HTTPS server on a free port
 * (published in the Node), serving and client certificates from the
 * cluster CA, pulls disabled. kubectl 1.32 talks WebSocket (exec) and
 * WebSocket-tunnelled SPDY (port-forward) to the API server, which relays
 * to the kubelet, which relays to containerd's streaming server.
 * Everything created is removed at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { useKubeletNode } from "./kubelet-node.ts";
import { nodesRef } from "../../src/client/resources.ts";
import { issueCertificate } from "../../src/pki/self-signed.ts";

const node = useKubeletNode({
  prefix: "stream",
  podCIDR: "10.42.203.0/24",
  clientCerts: true,
  kubelet: { crashLoopBackOff: { initialMs: 1000, maxMs: 2000 } },
  // Pods need the namespace's default service account (ServiceAccount admission).
  waitForServiceAccount: true,
});

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) =>
  node.until(what, fn, timeoutMs);

const getPod = (name: string) => node.getPod(name);

/** A busybox pod on this node running `script` (restartPolicy Always), labelled app=<name>. */
const podManifest = (name: string, script: string, spec: Record<string, unknown> = {}) =>
  node.podManifest(name, script, { restartPolicy: "Always", labels: { app: name }, spec });

async function runPod(name: string, script: string, spec: Record<string, unknown> = {}) {
  await node.cluster.kubectlOk(["apply", "-f", "-"], { input: podManifest(name, script, spec) });
  return until(`${name} Running`, async () => {
    const p = await getPod(name);
    return p.status?.phase === "Running" ? p : undefined;
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 30_000, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

const WEB =
  "mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -p 8080 -h /www && " +
  "echo started && i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done";

test("the node publishes the kubelet's port and nodes/proxy reaches it", async () => {
  const published = await node.client.get<any>(nodesRef, undefined, node.nodeName);
  assert.equal(published.status.daemonEndpoints.kubeletEndpoint.Port, node.kubelet.port);
  assert.notEqual(node.kubelet.port, 10250);
  const health = await node.cluster.kubectlOk([
    "get",
    "--raw",
    `/api/v1/nodes/${node.nodeName}/proxy/healthz`,
  ]);
  assert.equal(health.trim(), "ok");
  const summary = JSON.parse(
    await node.cluster.kubectlOk([
      "get",
      "--raw",
      `/api/v1/nodes/${node.nodeName}/proxy/stats/summary`,
    ]),
  );
  assert.equal(summary.node.nodeName, node.nodeName);
  assert.ok(summary.node.memory.workingSetBytes > 0);
  // Directly: no client certificate → 401; a certificate of a user without nodes/proxy → 403.
  assert.equal((await kubeletGet("/healthz")).status, 401);
  const tls = join(node.cluster.dataDir, "tls");
  const bob = await issueCertificate({
    commonName: "bob",
    usage: "client",
    signer: {
      certPem: readFileSync(join(tls, "ca.crt"), "utf8"),
      keyPem: readFileSync(join(tls, "ca.key"), "utf8"),
    },
  });
  assert.equal((await kubeletGet("/pods", bob)).status, 403);
});

function kubeletGet(
  path: string,
  cert?: { certPem: string; keyPem: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port: node.kubelet.port,
        path,
        rejectUnauthorized: false,
        cert: cert?.certPem,
        key: cert?.keyPem,
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
  });
}

test("kubectl logs prints the log, --tail and --timestamps apply", async () => {
  await runPod("web", WEB);
  const out = await until("two ticks logged", async () => {
    const r = await node.cluster.kubectl(["logs", "web"]);
    return r.code === 0 && r.stdout.includes("tick-2") ? r.stdout : undefined;
  });
  assert.match(out, /^started\ntick-1\ntick-2\n/);
  const tail = await node.cluster.kubectlOk(["logs", "web", "--tail=1"]);
  assert.equal(tail.trim().split("\n").length, 1);
  assert.match(tail, /^tick-\d+\n$/);
  const ts = await node.cluster.kubectlOk(["logs", "web", "--timestamps", "--tail=2"]);
  for (const line of ts.trim().split("\n"))
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick-\d+$/);
  const limited = await node.cluster.kubectlOk(["logs", "web", "--limit-bytes=3"]);
  assert.equal(limited, "sta");
  const bad = await node.cluster.kubectl(["logs", "web", "-c", "nope"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /container nope is not valid for pod web/);
});

test("kubectl logs -f streams new lines and ends when the container stops", async () => {
  const follow = node.cluster.kubectlStream(["logs", "-f", "web"]);
  const first = await follow.waitFor(/tick-(\d+)/);
  const n = Number(/tick-(\d+)/.exec(first)![1]);
  await follow.waitFor(new RegExp(`tick-${n + 2}\\b`));
  await follow.stop();

  await runPod("short", "echo first; sleep 3; echo last", { restartPolicy: "Never" });
  const r = await node.cluster.kubectl(["logs", "-f", "short"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "first\nlast\n");
});

test("kubectl logs --previous shows the crashed instance's log", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("crasher", 'echo "run at $(cat /proc/uptime)"; exit 2'),
  });
  await until("a restart", async () => {
    const p = await getPod("crasher");
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
  });
  const prev = await until("previous log", async () => {
    const r = await node.cluster.kubectl(["logs", "crasher", "--previous"]);
    return r.code === 0 && r.stdout.startsWith("run at") ? r.stdout : undefined;
  });
  assert.match(prev, /^run at [\d.]+ [\d.]+\n$/);
  const none = await node.cluster.kubectl(["logs", "web", "--previous"]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /previous terminated container "main" in pod "web" not found/);
});

test("kubectl exec runs commands, passes stdin and propagates exit codes", async () => {
  const ls = await node.cluster.kubectlOk(["exec", "web", "--", "ls", "/"]);
  assert.match(ls, /\bbin\b/);
  assert.match(ls, /\bwww\b/);
  const code = await node.cluster.kubectl([
    "exec",
    "web",
    "--",
    "sh",
    "-c",
    "echo out; echo err >&2; exit 3",
  ]);
  assert.equal(code.code, 3);
  assert.equal(code.stdout, "out\n");
  assert.equal(code.stderr.split("\n")[0], "err");
  const cat = await node.cluster.kubectl(
    ["exec", "-i", "web", "--", "sh", "-c", "head -n 2 | tr a-z A-Z"],
    {
      input: "hello\nworld\n",
    },
  );
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, "HELLO\nWORLD\n");
  // stdin ends (v5 close signal → SPDY FIN), the process sees EOF and its exit code comes back.
  const eof = await node.cluster.kubectl(
    ["exec", "-i", "web", "--", "sh", "-c", "cat; echo end; exit 5"],
    {
      input: "line-a\nline-b\n",
    },
  );
  assert.equal(eof.code, 5, eof.stderr);
  assert.equal(eof.stdout, "line-a\nline-b\nend\n");
  const big = await node.cluster.kubectlOk(["exec", "web", "--", "sh", "-c", "seq 1 20000"]);
  assert.equal(big.trim().split("\n").length, 20000);
  const missing = await node.cluster.kubectl(["exec", "web", "--", "/no/such/binary"]);
  assert.notEqual(missing.code, 0);
});

test("kubectl exec -it runs with a terminal; kubectl cp copies through exec", async () => {
  // `script` gives kubectl a pseudo-terminal, as an interactive shell would have.
  const env = `KUBECONFIG=${node.cluster.kubeconfig}`;
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(
      "script",
      [
        "-qec",
        `${env} kubectl exec -it web -- sh -c 'tty; read line; echo "got:$line"; exit 4'`,
        "/dev/null",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    setTimeout(() => p.stdin.write("typed\r"), 1500).unref();
    p.once("exit", (code) => resolve({ code, out }));
  });
  assert.match(r.out, /\/dev\/pts\/\d+/);
  assert.match(r.out, /got:typed/);
  assert.equal(r.code, 4, r.out);

  const src = join(node.dataDir, "cp-source.txt");
  writeFileSync(src, "copied through tar\n");
  await node.cluster.kubectlOk(["cp", src, "web:/tmp/copied.txt"]);
  assert.equal(
    await node.cluster.kubectlOk(["exec", "web", "--", "cat", "/tmp/copied.txt"]),
    "copied through tar\n",
  );
});

test("kubectl attach streams the running container's output", async () => {
  const attach = node.cluster.kubectlStream(["attach", "web"]);
  try {
    const first = await attach.waitFor(/tick-(\d+)/);
    const n = Number(/tick-(\d+)/.exec(first)![1]);
    await attach.waitFor(new RegExp(`tick-${n + 1}\\b`));
  } finally {
    await attach.stop();
  }
});

test("kubectl port-forward forwards a local port to the pod", async () => {
  // ":8080": kubectl binds a free local port itself and says which.
  const pf = node.cluster.kubectlStream(["port-forward", "pod/web", ":8080"]);
  try {
    const forwarding = await pf.waitFor(/Forwarding from 127\.0\.0\.1:\d+/);
    const port = Number(/:(\d+)/.exec(forwarding)![1]);
    for (let i = 0; i < 3; i++) {
      const res = await httpGet(`http://127.0.0.1:${port}/`);
      assert.equal(res.status, 200);
      assert.equal(res.body, "hello-from-pod\n");
    }
  } finally {
    await pf.stop();
  }
});

test("plain SPDY clients (kubectl with WebSockets off) exec, attach and port-forward", async () => {
  // kubectl 1.32 reads these to turn its WebSocket transports off: only SPDY/3.1 is spoken.
  const spdy = {
    KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false",
    KUBECTL_PORT_FORWARD_WEBSOCKETS: "false",
  };
  const verbose = await node.cluster.kubectl(["exec", "web", "-v=8", "--", "true"], { env: spdy });
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /Upgrade: SPDY\/3\.1|X-Stream-Protocol-Version/i);
  assert.doesNotMatch(verbose.stderr, /Sec-Websocket/i);
  const code = await node.cluster.kubectl(
    ["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"],
    {
      env: spdy,
    },
  );
  assert.equal(code.code, 3, code.stderr);
  assert.equal(code.stdout, "out\n");
  assert.equal(code.stderr.split("\n")[0], "err");
  const eof = await node.cluster.kubectl(
    ["exec", "-i", "web", "--", "sh", "-c", "cat; echo end; exit 5"],
    {
      input: "line-a\nline-b\n",
      env: spdy,
    },
  );
  assert.equal(eof.code, 5, eof.stderr);
  assert.equal(eof.stdout, "line-a\nline-b\nend\n");
  const missing = await node.cluster.kubectl(["exec", "web", "-c", "nope", "--", "true"], {
    env: spdy,
  });
  assert.notEqual(missing.code, 0);

  // kubectlStream inherits this process's environment.
  const saved = { ...process.env };
  Object.assign(process.env, spdy);
  try {
    const attach = node.cluster.kubectlStream(["attach", "web"]);
    try {
      const first = await attach.waitFor(/tick-(\d+)/);
      const n = Number(/tick-(\d+)/.exec(first)![1]);
      await attach.waitFor(new RegExp(`tick-${n + 1}\\b`));
    } finally {
      await attach.stop();
    }
    // ":8080": kubectl binds a free local port itself and says which.
    const pf = node.cluster.kubectlStream(["port-forward", "pod/web", ":8080"]);
    try {
      const forwarding = await pf.waitFor(/Forwarding from 127\.0\.0\.1:\d+/);
      const port = Number(/:(\d+)/.exec(forwarding)![1]);
      for (let i = 0; i < 2; i++) {
        const res = await httpGet(`http://127.0.0.1:${port}/`);
        assert.equal(res.status, 200);
        assert.equal(res.body, "hello-from-pod\n");
      }
    } finally {
      await pf.stop();
    }
  } finally {
    for (const k of Object.keys(spdy)) if (!(k in saved)) delete process.env[k];
  }
});

test("pods/proxy and services/proxy reach the pod's HTTP server", async () => {
  const viaPod = await node.cluster.kubectlOk([
    "get",
    "--raw",
    "/api/v1/namespaces/default/pods/web:8080/proxy/index.html",
  ]);
  assert.equal(viaPod, "hello-from-pod\n");
  await node.cluster.kubectlOk([
    "expose",
    "pod",
    "web",
    "--port=80",
    "--target-port=8080",
    "--name=web",
  ]);
  const viaSvc = await until("service endpoints", async () => {
    const r = await node.cluster.kubectl([
      "get",
      "--raw",
      "/api/v1/namespaces/default/services/web:80/proxy/index.html",
    ]);
    return r.code === 0 ? r.stdout : undefined;
  });
  assert.equal(viaSvc, "hello-from-pod\n");
  const nope = await node.cluster.kubectl([
    "get",
    "--raw",
    "/api/v1/namespaces/default/pods/nope:80/proxy/",
  ]);
  assert.notEqual(nope.code, 0);
  assert.match(nope.stderr, /not found/i);
});

test("kubectl top node and top pod show real usage from metrics.k8s.io", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "burner", namespace: "default", labels: { app: "burner" } },
      spec: {
        nodeName: node.nodeName,
        containers: [
          {
            name: "spin",
            image: "busybox",
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", "while true; do :; done"],
            resources: { limits: { cpu: "250m", memory: "32Mi" } },
          },
        ],
      },
    }),
  });
  await until("burner Running", async () => {
    const p = await getPod("burner");
    return p.status?.phase === "Running" ? p : undefined;
  });
  const apis = await node.cluster.kubectlOk(["api-versions"]);
  assert.match(apis, /^metrics\.k8s\.io\/v1beta1$/m);
  const nodeLine = await until("top node", async () => {
    const r = await node.cluster.kubectl(["top", "node", node.nodeName]);
    return r.code === 0 ? r.stdout.split("\n").find((l) => l.startsWith(node.nodeName)) : undefined;
  });
  assert.match(nodeLine, new RegExp(`^${node.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  const pods = await until("top pod --containers", async () => {
    const r = await node.cluster.kubectl(["top", "pod", "--containers", "-l", "app=burner"]);
    return r.code === 0 && /burner\s+spin/.test(r.stdout) ? r.stdout : undefined;
  });
  const m = /burner\s+spin\s+(\d+)m\s+(\d+)Mi/.exec(pods);
  assert.ok(m, pods);
  assert.ok(Number(m[1]) >= 20 && Number(m[1]) <= 400, `burner cpu ${m[1]}m`);
  const all = await node.cluster.kubectlOk(["top", "pod", "-n", "default"]);
  assert.match(all, /^web\s+\d+m\s+\d+Mi/m);
  assert.doesNotMatch(all, /^short\s/m);
  const raw = JSON.parse(
    await node.cluster.kubectlOk([
      "get",
      "--raw",
      "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner",
    ]),
  );
  assert.equal(raw.kind, "PodMetrics");
  assert.match(raw.containers[0].usage.cpu, /^\d+n$/);
  assert.match(raw.containers[0].usage.memory, /^\d+Ki$/);
  const missing = await node.cluster.kubectl([
    "get",
    "--raw",
    "/apis/metrics.k8s.io/v1beta1/nodes/nope",
  ]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /NotFound|not found/);
});

/**
 * The whole thing, as a user runs it: one `k8ts server` (API server,
 * controller manager, scheduler, kubelet with its own containerd,
 * kube-proxy and the DNS add-on) inside a network namespace this test
 * creates, so its iptables rules, routes and bridge never touch the host.
 *
 * The two-tier case: a `webapp` Deployment (busybox httpd, a CGI
 * script on 8080) behind the NodePort service `web-service` (30081) reads
 * from a `mysql` stand-in through `mysql-service:3306` by DNS name. A client
 * pod resolves `kubernetes.default` and `<svc>.<ns>.svc.cluster.local`
 * through 10.43.0.10, reaches the web tier through its ClusterIP by short
 * name and the API server through 10.43.0.1; the namespace's host side
 * reaches the NodePort on 127.0.0.1 and the ClusterIP, and an unserved
 * service address is refused locally; the DNS add-on's /metrics and
 * kube-proxy's /healthz answer. Everything is removed at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "./harness.ts";
import { useNetnsServer } from "./netns-server.ts";
import type { Run } from "./proxy-netns-run.ts";

/** The server's log without the routine optimistic-concurrency retries. */
const quiet = (text: string) =>
  text
    .split("\n")
    .filter((l) => !l.includes("the object has been modified"))
    .join("\n");

// Pod CIDR unique among the e2e files (they run in parallel and share /var/lib/cni).
const cluster = useNetnsServer({ tag: "ps", podCidr: "10.42.210.0/24", quiet });
const { kubectl, kubectlOk, inNs } = cluster;
const curl = (url: string) => inNs("curl", ["-sS", "-m", "5", url]);

const container = (name: string, script: string, port?: number) => ({
  name,
  image: "busybox",
  imagePullPolicy: "IfNotPresent",
  command: ["sh", "-c", script],
  ...(port
    ? {
        ports: [{ containerPort: port }],
        readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
      }
    : {}),
});

const deployment = (name: string, replicas: number, c: object) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [c] } },
  },
});

const cgi = [
  "#!/bin/sh",
  'echo "Content-Type: text/plain"',
  "echo",
  'echo "web $(hostname) read: $(nc -w 5 mysql-service 3306 </dev/null)"',
].join("\n");

test("two tiers through ClusterIP, NodePort and cluster DNS in a full k8ts server", async () => {
  const manifests = {
    apiVersion: "v1",
    kind: "List",
    items: [
      deployment(
        "mysql",
        1,
        container(
          "db",
          'while true; do echo "row-42 from $(hostname)" | nc -l -p 3306; done',
          3306,
        ),
      ),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "mysql-service", namespace: "default" },
        spec: { selector: { app: "mysql" }, ports: [{ port: 3306, targetPort: 3306 }] },
      },
      deployment(
        "webapp",
        2,
        container(
          "web",
          `mkdir -p /www/cgi-bin && printf '%s\\n' '${cgi.split("\n").join("' '")}' > /www/cgi-bin/q && chmod +x /www/cgi-bin/q && exec httpd -f -p 8080 -h /www`,
          8080,
        ),
      ),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web-service", namespace: "default" },
        spec: {
          type: "NodePort",
          selector: { app: "webapp" },
          ports: [{ port: 80, targetPort: 8080, nodePort: 30081 }],
        },
      },
    ],
  };
  await kubectlOk(["apply", "-f", "-"], JSON.stringify(manifests));
  const webPods = await eventually(
    "two ready web pods",
    async () => {
      const r = await kubectl(["get", "pods", "-l", "app=webapp", "-o", "json"]);
      const pods = (JSON.parse(r.stdout) as { items: Pod[] }).items;
      const names = pods
        .filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        .map((p) => p.metadata!.name!);
      return names.length === 2 ? names.sort() : undefined;
    },
    { timeoutMs: 180_000, context: () => cluster.log() },
  );

  // The namespace's host side: the NodePort on 127.0.0.1 answers from both
  // web pods, each having read from the mysql stand-in by DNS name.
  const seen = new Set<string>();
  let last: Run | undefined;
  await eventually(
    "both web pods answer on 127.0.0.1:30081 with the database's row",
    async () => {
      last = await curl("http://127.0.0.1:30081/cgi-bin/q");
      const m = /^web (\S+) read: row-42 from mysql-/.exec(last.stdout.trim());
      if (m) seen.add(m[1]!);
      return seen.size === 2 ? true : undefined;
    },
    { timeoutMs: 120_000, context: () => `${JSON.stringify(last)}\n${cluster.log().slice(-2000)}` },
  );
  assert.deepEqual([...seen].sort(), webPods);
  const clusterIP = (
    await kubectlOk(["get", "svc", "web-service", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  assert.match((await curl(`http://${clusterIP}/cgi-bin/q`)).stdout, /read: row-42/);
  // An address in the service CIDR with no service behind it: refused here (curl 7).
  assert.equal((await curl("http://10.43.255.254/")).code, 7);

  // A pod: cluster DNS at 10.43.0.10, the web tier by short name, the API at 10.43.0.1.
  const script = [
    "for i in $(seq 1 60); do nslookup kubernetes.default >/tmp/k 2>&1 && break; sleep 1; done",
    "echo ---kubernetes; cat /tmp/k",
    "echo ---mysql; nslookup mysql-service.default.svc.cluster.local",
    // (busybox 1.35's wget crashes with -T: `timeout` bounds it instead.)
    // Until the answer holds the row: the database stand-in serves one connection at a
    // time (its readiness probe takes turns), so a web pod's read can find it between two.
    "echo ---web; for i in $(seq 1 30); do timeout 10 wget -qO- http://web-service/cgi-bin/q >/tmp/w 2>&1; grep -q row-42 /tmp/w && break; sleep 1; done; cat /tmp/w",
    "echo ---api; timeout 10 wget -qO- --no-check-certificate https://10.43.0.1/version 2>&1",
    "echo ---resolv; cat /etc/resolv.conf",
    "echo ---end",
  ].join("; ");
  await kubectlOk(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", namespace: "default" },
      spec: { restartPolicy: "Never", containers: [container("main", script)] },
    }),
  );
  await eventually(
    "the client pod finished",
    async () => {
      const r = await kubectl(["get", "pod", "client", "-o", "jsonpath={.status.phase}"]);
      return ["Succeeded", "Failed"].includes(r.stdout.trim()) ? true : undefined;
    },
    { timeoutMs: 180_000, context: () => cluster.log() },
  );
  const logs = await kubectlOk(["logs", "client"]);
  const section = (name: string) => logs.split(`---${name}`)[1]?.split("\n---")[0] ?? "";
  const mysqlIP = (
    await kubectlOk(["get", "svc", "mysql-service", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  assert.match(section("resolv"), /nameserver 10\.43\.0\.10/, logs);
  assert.match(section("kubernetes"), /kubernetes\.default\.svc\.cluster\.local/, logs);
  assert.match(section("kubernetes"), /Address:\s*10\.43\.0\.1\b/, logs);
  assert.ok(section("mysql").includes(mysqlIP), logs);
  assert.match(section("web"), /^\s*web \S+ read: row-42 from mysql-/, logs);
  // busybox's TLS client cannot agree on a cipher with the API server: the
  // server's TLS alert shows the connection reached it through 10.43.0.1.
  assert.match(section("api"), /"gitVersion"|HTTP\/1\.1 40[13]|TLS error from peer/, logs);
  // From the namespace's host side, through the same service, with a full TLS client.
  const api = await inNs("curl", ["-sSk", "-m", "5", "https://10.43.0.1/version"]);
  assert.equal(api.code, 0, api.stderr);
  assert.match(api.stdout, /"gitVersion"|"kind": ?"Status"/);

  // The add-ons' own endpoints: the DNS add-on's metrics (it answered the
  // pod's queries) and kube-proxy's healthz.
  const metrics = await curl("http://127.0.0.1:9153/metrics");
  assert.match(metrics.stdout, /coredns_dns_requests_total\{[^}]*\} [1-9]/, metrics.stderr);
  const healthz = await curl("http://127.0.0.1:10256/healthz");
  assert.equal(healthz.code, 0, healthz.stderr);
  assert.match(healthz.stdout, /"lastUpdated":"\d{4}-/);
});

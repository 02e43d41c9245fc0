/**
 * A `k8ts server --disable-agent` in a temporary data dir plus `k8ts
 * simulate --nodes N` against it, waited for until every simulated node is
 * Ready: the set-up bench:controllers and its breakdown share.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject } from "../../src/api/types.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { namespacesRef, nodesRef } from "../../src/client/resources.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { freePort } from "../../test/e2e/harness.ts";
import { K8tsChild } from "../scale-procs.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls check every pollMs until it holds; throws after limitS seconds. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  limitS: number,
  pollMs = 500,
): Promise<void> {
  const until = Date.now() + limitS * 1000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${limitS} s waiting for ${what}`);
    await sleep(pollMs);
  }
}

export interface SimulatedCluster {
  server: K8tsChild;
  /** Undefined until the server answered (start failed before). */
  sim?: K8tsChild;
  dataDir: string;
  kubeconfig: string;
  client: RestClient;
  /** Names of the Ready simulated nodes. */
  nodeNames: string[];
  /** Stops both processes and removes the data dir. */
  stop(): Promise<void>;
}

type NodeObj = KObject & { status?: { conditions?: { type: string; status: string }[] } };

/**
 * Starts the server (serverNodeArgs go to its node, e.g. --cpu-prof), waits
 * for its API, starts `nodes` simulated nodes and waits until they are
 * Ready. On failure everything started is stopped before the error is thrown.
 */
export async function startSimulatedCluster(opts: {
  name: string;
  nodes: number;
  serverNodeArgs?: string[];
  log: (m: string) => void;
}): Promise<SimulatedCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `k8ts-bench-${opts.name}-`));
  const port = await freePort();
  const server = new K8tsChild(
    "server",
    ["server", "--disable-agent", "--data-dir", dataDir, "--secure-port", String(port)],
    opts.serverNodeArgs ?? [],
    opts.log,
  );
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  const cluster: SimulatedCluster = {
    server,
    dataDir,
    kubeconfig,
    client: undefined as unknown as RestClient,
    nodeNames: [],
    async stop() {
      cluster.client?.close();
      for (const child of [cluster.sim, server]) {
        await child?.stop();
        // A failed shutdown is worth seeing (the output is otherwise dropped).
        if (child?.child.exitCode)
          opts.log(
            `${child.name} exited ${child.child.exitCode}; its output ends:\n${child.output().slice(-3000)}`,
          );
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      "the server",
      async () => {
        if (!server.running) throw new Error(`server exited:\n${server.output()}`);
        try {
          cluster.client ??= new RestClient({ ...loadKubeconfig(kubeconfig), qps: -1 });
          await cluster.client.list(namespacesRef);
          return true;
        } catch {
          return false;
        }
      },
      120,
      200,
    );
    opts.log(`starting ${opts.nodes} simulated nodes`);
    const sim = new K8tsChild(
      "simulate",
      [
        "simulate",
        "--nodes",
        String(opts.nodes),
        "--kubeconfig",
        kubeconfig,
        "--report-interval",
        "0",
      ],
      [],
      opts.log,
    );
    cluster.sim = sim;
    await waitFor(
      "nodes Ready",
      async () => {
        if (!sim.running) throw new Error(`simulate exited:\n${sim.output()}`);
        const list = await cluster.client.list<NodeObj>(nodesRef);
        cluster.nodeNames = list.items
          .filter((n) =>
            n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
          )
          .map((n) => n.metadata?.name)
          .filter((n): n is string => n !== undefined);
        return cluster.nodeNames.length >= opts.nodes;
      },
      300,
      1000,
    );
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";

/** Adds the HA flags of `k8ts server` (see ha-server.ts) to a command, returning it. */
export function addHaFlags(cmd: Command): Command {
  return cmd
    .option("--cluster-init", "start a new HA cluster (first server) on managed etcd")
    .option("--etcd <mode>", "managed: run an etcd member beside this server")
    .option("--server <url>", "join the cluster of this server (https://host:port)")
    .option("--token <token>", "bootstrap token to join with (k8ts token create)")
    .option(
      "--discovery-token-ca-cert-hash <sha256:hex>",
      "pin the cluster CA's public key hash when joining",
    )
    .option("--pki-dir <dir>", "use the CAs and service-account key of this k8ts certs dir")
    .option("--etcd-client-port <port>", "client port of the managed etcd member (0: free)", "0")
    .option("--etcd-peer-port <port>", "peer port of the managed etcd member (0: free)", "0")
    .option("--etcd-snapshot-count <n>", "committed transactions between etcd snapshots", "10000");
}

/** True when a data dir holds a managed etcd member (a server of an HA cluster). */
export function haMemberExists(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), "etcd", "member.json"));
}

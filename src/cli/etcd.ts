/** `k8ts etcd snapshot save|restore` and `k8ts etcd member list|remove`: operating managed etcd. */
import type { Command } from "commander";
import { join } from "node:path";

interface ConnFlags {
  dataDir?: string;
  endpoints?: string;
  cacert?: string;
  cert?: string;
  key?: string;
}

const withConn = (cmd: Command) =>
  cmd
    .option("--data-dir <dir>", "data dir of the local server (its managed member is used)")
    .option("--endpoints <urls>", "etcd client URLs (default: the local managed member)")
    .option("--cacert <file>", "etcd CA (default: <data-dir>/tls/etcd/ca.crt)")
    .option(
      "--cert <file>",
      "client certificate (default: <data-dir>/tls/etcd/apiserver-etcd-client.crt)",
    )
    .option("--key <file>", "client key");

async function connection(flags: ConnFlags) {
  const { defaultDataDir } = await import("./control-plane.ts");
  const { loadMemberConfig, clientUrl } = await import("../ha/etcd-member-config.ts");
  const dataDir = flags.dataDir ?? defaultDataDir();
  const tls = join(dataDir, "tls", "etcd");
  const endpoints = flags.endpoints
    ? flags.endpoints.split(",").filter((e) => e)
    : [clientUrl(await loadMemberConfig(dataDir))];
  return {
    dataDir,
    endpoints,
    tls: {
      caFile: flags.cacert ?? join(tls, "ca.crt"),
      certFile: flags.cert ?? join(tls, "apiserver-etcd-client.crt"),
      keyFile: flags.key ?? join(tls, "apiserver-etcd-client.key"),
    },
  };
}

/** Registers `k8ts etcd`. */
export function registerEtcdCommand(program: Command): void {
  const etcd = program.command("etcd").description("Operate the etcd cluster of the servers");
  const snapshot = etcd.command("snapshot").description("Save or restore etcd snapshots");
  withConn(snapshot.command("save <file>"))
    .description("Stream a snapshot of the etcd keyspace into a file")
    .action(async (file: string, flags: ConnFlags) => {
      const { withEtcd } = await import("../ha/etcd-membership.ts");
      const { saveSnapshot } = await import("../ha/etcd-snapshot.ts");
      const { progressReporter } = await import("../ha/progress.ts");
      const conn = await connection(flags);
      const progress = await progressReporter("Snapshot", "bytes");
      const res = await withEtcd(
        conn.endpoints,
        conn.tls,
        (c) => saveSnapshot(c, file, progress.update),
        30_000,
      );
      progress.done();
      process.stdout.write(
        `Snapshot saved at ${file} (${res.bytes} bytes, revision ${res.revision})\n`,
      );
    });
  snapshot
    .command("restore <file>")
    .description(
      "Replace the (stopped) local member's data with a snapshot, as a new one-member cluster",
    )
    .option("--data-dir <dir>", "data dir of the local server")
    .action(async (file: string, flags: { dataDir?: string }) => {
      const { defaultDataDir } = await import("./control-plane.ts");
      const { restoreSnapshot } = await import("../ha/etcd-snapshot.ts");
      const dataDir = flags.dataDir ?? defaultDataDir();
      const kept = await restoreSnapshot({ file, dataDir, now: Date.now() });
      process.stdout.write(
        [
          `Restored ${file} into ${join(dataDir, "etcd", "data")}`,
          ...(kept ? [`Previous data kept at ${kept}`] : []),
          "Start the server again with: k8ts server --cluster-init --data-dir " + dataDir,
          "Other servers must be wiped and joined again.",
          "",
        ].join("\n"),
      );
    });
  const member = etcd.command("member").description("List or remove etcd members");
  withConn(member.command("list"))
    .description("List members with their health")
    .action(async (flags: ConnFlags) => {
      const { withEtcd, listMembers } = await import("../ha/etcd-membership.ts");
      const { memberHealthy } = await import("../ha/managed-etcd.ts");
      const conn = await connection(flags);
      const members = await withEtcd(conn.endpoints, conn.tls, listMembers);
      const rows = [["ID", "NAME", "PEER URLS", "CLIENT URLS", "LEARNER", "HEALTH"]];
      for (const m of members) {
        const url = m.clientURLs[0];
        const healthy = url
          ? await memberHealthy(url, {
              caFile: conn.tls.caFile,
              clientCertFile: conn.tls.certFile,
              clientKeyFile: conn.tls.keyFile,
            }).catch(() => false)
          : false;
        rows.push([
          BigInt(m.id).toString(16),
          m.name || "<unstarted>",
          m.peerURLs.join(","),
          m.clientURLs.join(",") || "<none>",
          String(m.isLearner),
          healthy ? "healthy" : "unhealthy",
        ]);
      }
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      for (const r of rows)
        process.stdout.write(
          r
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join("   ")
            .trimEnd() + "\n",
        );
    });
  withConn(member.command("remove <name>"))
    .description("Remove a member (by name, peer URL or decimal ID)")
    .action(async (name: string, flags: ConnFlags) => {
      const { withEtcd, removeMember } = await import("../ha/etcd-membership.ts");
      const conn = await connection(flags);
      if (!(await withEtcd(conn.endpoints, conn.tls, (c) => removeMember(c, name))))
        throw new Error(`etcd member ${name} not found`);
      process.stdout.write(`Member ${name} removed\n`);
    });
}

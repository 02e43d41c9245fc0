/** `k8ts token create | list | delete | generate`: bootstrap tokens for joining servers and nodes. */
import type { Command } from "commander";
import { commaList } from "../util/comma-list.ts";

const collect = commaList;

/** Registers `k8ts token`. */
export function registerTokenCommand(program: Command): void {
  const token = program
    .command("token")
    .description("Manage bootstrap tokens (joining servers and nodes)");
  const withClient = (cmd: Command) =>
    cmd
      .option(
        "--kubeconfig <file>",
        "admin kubeconfig (default $KUBECONFIG or <data-dir>/admin.kubeconfig)",
      )
      .option("--data-dir <dir>", "data dir of the local server");
  const clientFor = async (flags: { kubeconfig?: string; dataDir?: string }) => {
    const { adminClient } = await import("../ha/admin-client.ts");
    const { defaultDataDir } = await import("./control-plane.ts");
    return adminClient({
      kubeconfig: flags.kubeconfig,
      dataDir: flags.dataDir ?? defaultDataDir(),
    });
  };

  withClient(token.command("create [token]"))
    .description("Create a bootstrap token (random unless given as [a-z0-9]{6}.[a-z0-9]{16})")
    .option("--ttl <duration>", "time before the token expires (0: never)", "24h")
    .option("--description <text>", "human-readable description")
    .option("--usages <list>", "authentication,signing", collect)
    .option("--groups <list>", "extra groups (system:bootstrappers:...)", collect)
    .option(
      "--control-plane",
      "let the token join control-plane servers (it can then read the cluster CA key)",
    )
    .option("--print-join-command", "print the full join command instead of the token")
    .action(async (given: string | undefined, flags) => {
      const { parseDuration } = await import("../auth/flags.ts");
      const bt = await import("../ha/bootstrap-token.ts");
      const { createToken, joinCommand } = await import("../ha/token-ops.ts");
      const { caCertHash } = await import("../ha/cluster-info.ts");
      const t = given ? bt.parseToken(given) : bt.generateToken();
      const groups: string[] = flags.groups ?? [bt.DEFAULT_TOKEN_GROUP];
      if (flags.controlPlane && !groups.includes(bt.CONTROL_PLANE_TOKEN_GROUP))
        groups.push(bt.CONTROL_PLANE_TOKEN_GROUP);
      const { client, config } = await clientFor(flags);
      try {
        await createToken(
          client,
          t,
          {
            ttlMs: parseDuration(flags.ttl),
            now: Date.now(),
            description: flags.description,
            groups,
            usages: flags.usages,
          },
          { server: config.server, caPem: config.ca ?? "" },
        );
      } finally {
        client.close();
      }
      process.stdout.write(
        (flags.printJoinCommand
          ? joinCommand({
              server: config.server,
              token: t,
              caCertHash: caCertHash(config.ca ?? ""),
              controlPlane: groups.includes(bt.CONTROL_PLANE_TOKEN_GROUP),
            })
          : bt.formatToken(t)) + "\n",
      );
    });

  withClient(token.command("list"))
    .description("List bootstrap tokens")
    .action(async (flags) => {
      const { listTokens } = await import("../ha/token-ops.ts");
      const { formatToken, formatTtl } = await import("../ha/bootstrap-token.ts");
      const { client } = await clientFor(flags);
      try {
        const now = Date.now();
        const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
        for (const t of await listTokens(client))
          rows.push([
            formatToken(t.token),
            formatTtl(t.expiration, now),
            t.expiration ? t.expiration.toISOString().replace(/\.\d+Z$/, "Z") : "<never>",
            t.usages.join(","),
            t.description || "<none>",
            t.groups.join(","),
          ]);
        const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
        for (const r of rows)
          process.stdout.write(
            r
              .map((cell, c) => cell.padEnd(widths[c]!))
              .join("   ")
              .trimEnd() + "\n",
          );
      } finally {
        client.close();
      }
    });

  withClient(token.command("delete <tokens...>"))
    .description("Delete bootstrap tokens (by id or id.secret)")
    .action(async (tokens: string[], flags) => {
      const { deleteToken } = await import("../ha/token-ops.ts");
      const { client } = await clientFor(flags);
      try {
        for (const t of tokens) {
          const id = t.split(".")[0];
          if (!(await deleteToken(client, t))) throw new Error(`bootstrap token "${id}" not found`);
          process.stdout.write(`bootstrap token "${id}" deleted\n`);
        }
      } finally {
        client.close();
      }
    });

  token
    .command("generate")
    .description("Print a random token (creates nothing)")
    .action(async () => {
      const { formatToken, generateToken } = await import("../ha/bootstrap-token.ts");
      process.stdout.write(formatToken(generateToken()) + "\n");
    });
}

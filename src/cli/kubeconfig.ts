/** `k8ts kubeconfig`: writes (or merges) a kubeconfig for a user's certificate or token. */
import type { Command } from "commander";

/** Registers `k8ts kubeconfig`. */
export function registerKubeconfigCommand(program: Command): void {
  program
    .command("kubeconfig")
    .description("Write a kubeconfig with a cluster, a user and a context (current-context set)")
    .requiredOption("--user <name>", "user entry name")
    .option("--cert <file>", "client certificate")
    .option("--key <file>", "client key")
    .option("--token <token>", "bearer token")
    .option("--ca <file>", "cluster CA certificate")
    .option("--server <url>", "API server URL", "https://127.0.0.1:6443")
    .option("--cluster <name>", "cluster entry name", "k8ts")
    .option("--context <name>", "context name (default <user>@<cluster>)")
    .option("--embed", "embed certificates as *-data instead of file paths")
    .option("--out <file>", "write here (default: stdout)")
    .option("--merge", "merge into --out instead of replacing it")
    .action(async (flags) => {
      const { readFile, writeFile, mkdir } = await import("node:fs/promises");
      const { dirname } = await import("node:path");
      const { parse, stringify } = await import("yaml");
      const { buildKubeconfig, mergeKubeconfigs } = await import("../pki/kubeconfig-file.ts");
      const doc = await buildKubeconfig({
        server: flags.server,
        cluster: flags.cluster,
        user: flags.user,
        context: flags.context ?? `${flags.user}@${flags.cluster}`,
        caFile: flags.ca,
        certFile: flags.cert,
        keyFile: flags.key,
        token: flags.token,
        embed: Boolean(flags.embed),
        read: (p) => readFile(p, "utf8"),
      });
      if (!flags.out) {
        process.stdout.write(stringify(doc));
        return;
      }
      let out = doc;
      if (flags.merge) {
        const existing = await readFile(flags.out, "utf8").catch(() => "");
        out = mergeKubeconfigs(existing ? parse(existing) : undefined, doc);
      }
      await mkdir(dirname(flags.out), { recursive: true });
      await writeFile(flags.out, stringify(out), { mode: 0o600 });
    });
}

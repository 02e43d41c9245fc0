/** `k8ts certs generate | check-expiration | renew`: the cluster PKI on disk. */
import type { Command } from "commander";
import { commaList } from "../util/comma-list.ts";

const collect = commaList;

function residual(ms: number): string {
  if (ms <= 0) return "<invalid>";
  const days = Math.floor(ms / 86_400_000);
  if (days >= 365) return `${Math.floor(days / 365)}y`;
  if (days > 0) return `${days}d`;
  return `${Math.floor(ms / 3_600_000)}h`;
}

function formatDate(d: Date): string {
  const month = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${month} ${pad(d.getUTCDate())}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Registers `k8ts certs`. */
export function registerCertsCommand(program: Command): void {
  const certs = program.command("certs").description("Manage the cluster certificates");
  certs
    .command("generate")
    .description(
      "Create the CA, control-plane, etcd and kubelet certificates and the service-account key",
    )
    .requiredOption("--dir <dir>", "directory to write the certificates to")
    .option("--apiserver-san <name>", "extra API server SAN (DNS name or IP; repeatable)", collect)
    .option("--node <name[=ip]>", "a node to issue kubelet certificates for (repeatable)", collect)
    .option("--etcd-member <name=ip>", "an etcd member (repeatable)", collect)
    .option(
      "--service-cluster-ip-range <cidr>",
      "service CIDR (its first IP is an API server SAN)",
      "10.43.0.0/16",
    )
    .option("--key-type <type>", "rsa (2048) or ecdsa (P-256)", "rsa")
    .option("--validity-days <n>", "validity of leaf certificates", "365")
    .option("--force", "overwrite existing files")
    .action(async (flags) => {
      const { generateClusterCerts } = await import("../pki/cluster-certs.ts");
      const pair = (s: string) => {
        const [name, ip] = s.split("=");
        return { name, ip };
      };
      if (flags.keyType !== "rsa" && flags.keyType !== "ecdsa")
        throw new Error(`--key-type must be rsa or ecdsa, not ${flags.keyType}`);
      const written = await generateClusterCerts(flags.dir, {
        apiserverSans: flags.apiserverSan,
        nodes: (flags.node ?? []).map(pair),
        etcdMembers: (flags.etcdMember ?? []).map((s: string) => ({
          name: pair(s).name,
          ip: pair(s).ip ?? "127.0.0.1",
        })),
        serviceCidr: flags.serviceClusterIpRange,
        keyType: flags.keyType,
        validityDays: Number(flags.validityDays),
        force: Boolean(flags.force),
      });
      for (const name of written)
        process.stdout.write(
          `[certs] Generated ${name}${name.endsWith("pair") ? "" : " certificate and key"}\n`,
        );
      if (written.length === 0)
        process.stdout.write(`[certs] All certificates exist in ${flags.dir}; nothing to do\n`);
    });
  certs
    .command("check-expiration")
    .description("Show each certificate's subject, SANs and expiry")
    .requiredOption("--dir <dir>", "certificate directory")
    .action(async (flags) => {
      const { readCertInfos } = await import("../pki/cluster-certs.ts");
      const infos = await readCertInfos(flags.dir);
      const now = Date.now();
      const rows = [
        ["CERTIFICATE", "SUBJECT", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "SANS"],
      ];
      for (const i of infos) {
        const ca = i.isCA ? "" : i.issuer.replace(/^.*CN=/, "");
        rows.push([
          i.name,
          i.subject,
          formatDate(i.notAfter),
          residual(i.notAfter.getTime() - now),
          ca,
          i.sans.join(","),
        ]);
      }
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows)
        process.stdout.write(
          r
            .map((cell, c) => cell.padEnd(widths[c]))
            .join("   ")
            .trimEnd() + "\n",
        );
    });
  certs
    .command("renew <name>")
    .description("Renew one certificate (or all) with the same key, subject and SANs")
    .requiredOption("--dir <dir>", "certificate directory")
    .option("--validity-days <n>", "validity of the renewed certificates", "365")
    .action(async (name: string, flags) => {
      const { renewCerts } = await import("../pki/cluster-certs.ts");
      const renewed = await renewCerts(flags.dir, name, {
        validityDays: Number(flags.validityDays),
      });
      for (const n of renewed) process.stdout.write(`certificate ${n} renewed\n`);
    });
}

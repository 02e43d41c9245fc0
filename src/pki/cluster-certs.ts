/**
 * The full cluster certificate set `k8ts certs generate` writes, as kubeadm
 * lays it out: the cluster CA, client certificates for every control-plane
 * identity, the API server's serving certificate, an etcd CA with server,
 * peer and client certificates, kubelet serving/client certificates per node
 * and the service-account key pair. Existing files are kept unless `force`;
 * keys are written 0600.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { signCertificate, type CertUsage } from "./sign.ts";
import { DEFAULT_SERVING_DNS_NAMES } from "./self-signed.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyType = "rsa" | "ecdsa";

/** One certificate of the set: file base name (relative to the dir), subject, usage, SANs, issuer. */
export interface CertSpec {
  name: string;
  commonName: string;
  organizations?: string[];
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Base name of the issuing CA ("ca", "etcd/ca"); absent for CAs. */
  ca?: string;
}

export interface GenerateOptions {
  apiserverSans?: string[];
  nodes?: { name: string; ip?: string }[];
  /** Service CIDR: its first address is an API server SAN. Default 10.43.0.0/16 (k3s). */
  serviceCidr?: string;
  etcdMembers?: { name: string; ip: string }[];
  keyType?: KeyType;
  validityDays?: number;
  force?: boolean;
  now?: Date;
}

/** The first usable IP of an IPv4 CIDR (10.43.0.0/16 → 10.43.0.1). */
export function firstServiceIP(cidr: string): string {
  const [base] = cidr.split("/");
  const parts = base.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    throw new Error(`invalid service CIDR ${cidr}`);
  const n = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

const isIP = (s: string) => /^\d+\.\d+\.\d+\.\d+$/.test(s) || s.includes(":");

/** The certificate specs for the options, CAs first. */
export function clusterCertSpecs(opts: GenerateOptions): CertSpec[] {
  const sans = opts.apiserverSans ?? [];
  const nodes = opts.nodes ?? [];
  const members = opts.etcdMembers?.length ? opts.etcdMembers : [{ name: "etcd", ip: "127.0.0.1" }];
  const specs: CertSpec[] = [
    { name: "ca", commonName: "kubernetes", usage: "ca" },
    { name: "etcd/ca", commonName: "etcd-ca", usage: "ca" },
    {
      name: "admin",
      commonName: "kubernetes-admin",
      organizations: ["system:masters"],
      usage: "client",
      ca: "ca",
    },
    { name: "kube-scheduler", commonName: "system:kube-scheduler", usage: "client", ca: "ca" },
    {
      name: "kube-controller-manager",
      commonName: "system:kube-controller-manager",
      usage: "client",
      ca: "ca",
    },
    { name: "kube-proxy", commonName: "system:kube-proxy", usage: "client", ca: "ca" },
    {
      name: "apiserver-kubelet-client",
      commonName: "kube-apiserver-kubelet-client",
      organizations: ["system:masters"],
      usage: "client",
      ca: "ca",
    },
    {
      name: "apiserver-etcd-client",
      commonName: "kube-apiserver-etcd-client",
      usage: "client",
      ca: "etcd/ca",
    },
    {
      name: "apiserver",
      commonName: "kube-apiserver",
      usage: "server",
      ca: "ca",
      dnsNames: [...DEFAULT_SERVING_DNS_NAMES, ...sans.filter((s) => !isIP(s))],
      ipAddresses: [
        firstServiceIP(opts.serviceCidr ?? "10.43.0.0/16"),
        "127.0.0.1",
        ...nodes.flatMap((n) => (n.ip ? [n.ip] : [])),
        ...sans.filter(isIP),
      ],
    },
  ];
  for (const m of members) {
    const san = { dnsNames: ["localhost", m.name], ipAddresses: [...new Set(["127.0.0.1", m.ip])] };
    specs.push(
      {
        name: `etcd/server-${m.name}`,
        commonName: m.name,
        usage: "server-client",
        ca: "etcd/ca",
        ...san,
      },
      {
        name: `etcd/peer-${m.name}`,
        commonName: m.name,
        usage: "server-client",
        ca: "etcd/ca",
        ...san,
      },
    );
  }
  for (const n of nodes) {
    const subject = { commonName: `system:node:${n.name}`, organizations: ["system:nodes"] };
    specs.push(
      {
        name: `kubelet-${n.name}`,
        ...subject,
        usage: "server",
        ca: "ca",
        dnsNames: [n.name],
        ipAddresses: n.ip ? [n.ip] : [],
      },
      { name: `kubelet-client-${n.name}`, ...subject, usage: "client", ca: "ca" },
    );
  }
  return specs;
}

async function newKey(type: KeyType): Promise<string> {
  const { privateKey } =
    type === "rsa"
      ? await generateKeyPairAsync("rsa", {
          modulusLength: 2048,
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        })
      : await generateKeyPairAsync("ec", {
          namedCurve: "P-256",
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        });
  return privateKey;
}

/** Signs `spec` for the key in `keyPem`, issued by `ca` (self-signed when absent). */
export function certifyKey(
  spec: CertSpec,
  keyPem: string,
  ca: { certPem: string; keyPem: string } | undefined,
  validityDays: number,
  now: Date,
): string {
  const spkiDer = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
  return signCertificate({
    spkiDer,
    subject: { commonName: spec.commonName, organizations: spec.organizations },
    usage: spec.usage,
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
    signer: ca,
    selfKeyPem: keyPem,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + validityDays * 86_400_000),
  });
}

async function writePair(
  dir: string,
  name: string,
  certPem: string,
  keyPem?: string,
): Promise<void> {
  await mkdir(dirname(join(dir, name)), { recursive: true, mode: 0o700 });
  if (keyPem !== undefined) await writeFile(join(dir, `${name}.key`), keyPem, { mode: 0o600 });
  await writeFile(join(dir, `${name}.crt`), certPem, { mode: 0o644 });
}

/** Generates the set under `dir`; returns the names written (kept files are skipped). */
export async function generateClusterCerts(
  dir: string,
  opts: GenerateOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const now = opts.now ?? new Date();
  const written: string[] = [];
  const cas = new Map<string, { certPem: string; keyPem: string }>();
  for (const spec of clusterCertSpecs(opts)) {
    const certPath = join(dir, `${spec.name}.crt`);
    const keyPath = join(dir, `${spec.name}.key`);
    if (!opts.force && existsSync(certPath) && existsSync(keyPath)) {
      if (spec.usage === "ca")
        cas.set(spec.name, {
          certPem: await readFile(certPath, "utf8"),
          keyPem: await readFile(keyPath, "utf8"),
        });
      continue;
    }
    const keyPem = await newKey(opts.keyType ?? "rsa");
    const ca = spec.ca ? cas.get(spec.ca) : undefined;
    if (spec.ca && !ca) throw new Error(`certificate ${spec.name}: CA ${spec.ca} is missing`);
    const days = spec.usage === "ca" ? 3650 : (opts.validityDays ?? 365);
    const certPem = certifyKey(spec, keyPem, ca, days, now);
    await writePair(dir, spec.name, certPem, keyPem);
    if (spec.usage === "ca") cas.set(spec.name, { certPem, keyPem });
    written.push(spec.name);
  }
  if (opts.force || !existsSync(join(dir, "sa.key"))) {
    const keyPem = await newKey(opts.keyType ?? "rsa");
    await writeFile(join(dir, "sa.key"), keyPem, { mode: 0o600 });
    const pub = createPublicKey(keyPem).export({ type: "spki", format: "pem" }) as string;
    await writeFile(join(dir, "sa.pub"), pub, { mode: 0o644 });
    written.push("sa key pair");
  }
  return written;
}

export interface CertInfo {
  name: string;
  subject: string;
  sans: string[];
  notAfter: Date;
  issuer: string;
  isCA: boolean;
}

/** Reads every certificate (*.crt, recursively one level) of the dir. */
export async function readCertInfos(dir: string): Promise<CertInfo[]> {
  const { readdir } = await import("node:fs/promises");
  const out: CertInfo[] = [];
  const visit = async (sub: string) => {
    for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && !sub) await visit(rel);
      else if (e.name.endsWith(".crt")) {
        const x = new X509Certificate(await readFile(join(dir, rel)));
        out.push({
          name: rel.slice(0, -4),
          subject: x.subject.split("\n").join(","),
          sans: (x.subjectAltName ?? "").split(", ").filter((s) => s),
          notAfter: new Date(x.validTo),
          issuer: x.issuer.split("\n").join(","),
          isCA: x.ca,
        });
      }
    }
  };
  await visit("");
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Re-issues one certificate (or all but the CAs) keeping its key, subject and SANs. */
export async function renewCerts(
  dir: string,
  which: string,
  opts: { validityDays?: number; now?: Date } = {},
): Promise<string[]> {
  const infos = await readCertInfos(dir);
  const targets = infos.filter((i) => !i.isCA && (which === "all" || i.name === which));
  if (targets.length === 0) throw new Error(`no certificate named ${which} in ${dir}`);
  const now = opts.now ?? new Date();
  for (const info of targets) {
    const x = new X509Certificate(await readFile(join(dir, `${info.name}.crt`)));
    const keyPem = await readFile(join(dir, `${info.name}.key`), "utf8");
    const caName =
      info.name.startsWith("etcd/") || info.name === "apiserver-etcd-client" ? "etcd/ca" : "ca";
    const ca = {
      certPem: await readFile(join(dir, `${caName}.crt`), "utf8"),
      keyPem: await readFile(join(dir, `${caName}.key`), "utf8"),
    };
    const field = (k: string) =>
      x.subject
        .split("\n")
        .filter((l) => l.startsWith(`${k}=`))
        .map((l) => l.slice(k.length + 1));
    const eku = x.keyUsage ?? [];
    const server = eku.includes("1.3.6.1.5.5.7.3.1");
    const client = eku.includes("1.3.6.1.5.5.7.3.2");
    const spec: CertSpec = {
      name: info.name,
      commonName: field("CN")[0] ?? "",
      organizations: field("O"),
      usage: server && client ? "server-client" : server ? "server" : "client",
      dnsNames: info.sans.filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4)),
      ipAddresses: info.sans.filter((s) => s.startsWith("IP Address:")).map((s) => s.slice(11)),
    };
    await writePair(dir, info.name, certifyKey(spec, keyPem, ca, opts.validityDays ?? 365, now));
  }
  return targets.map((t) => t.name);
}

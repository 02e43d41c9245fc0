/**
 * The persistent identity of a managed etcd member: its name and ports,
 * kept in `<data-dir>/etcd/member.json` so a restarted server brings its
 * member back on the same URLs (etcd refuses to start otherwise).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePorts } from "../util/free-ports.ts";

export interface EtcdMemberConfig {
  name: string;
  /** Address the member listens on and advertises. */
  host: string;
  clientPort: number;
  peerPort: number;
}

export interface MemberConfigRequest {
  name: string;
  host?: string;
  /** 0 or absent: a free port, chosen once and persisted. */
  clientPort?: number;
  peerPort?: number;
  /** Ports the server itself listens on (its secure port): never chosen for the member. */
  avoidPorts?: number[];
}

/** Directory of the managed member under a server data dir. */
export const etcdDir = (dataDir: string) => join(dataDir, "etcd");

/** https://host:port of the member's client listener. */
export const clientUrl = (m: EtcdMemberConfig) => `https://${hostPart(m.host)}:${m.clientPort}`;
/** https://host:port of the member's peer listener. */
export const peerUrl = (m: EtcdMemberConfig) => `https://${hostPart(m.host)}:${m.peerPort}`;

const hostPart = (h: string) => (h.includes(":") ? `[${h}]` : h);

/**
 * Loads member.json when present (the request is then ignored: a member's
 * identity never changes), else creates it from the request.
 */
export async function loadOrCreateMemberConfig(
  dataDir: string,
  req: MemberConfigRequest,
): Promise<EtcdMemberConfig> {
  const file = join(etcdDir(dataDir), "member.json");
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as EtcdMemberConfig;
  return createMemberConfig(dataDir, req);
}

/**
 * Writes member.json from the request, replacing any there: the ports left
 * 0 are chosen free now (they may be taken again before etcd binds them;
 * see ManagedEtcdOptions.failOnPortInUse). Only for a member that never ran.
 */
export async function createMemberConfig(
  dataDir: string,
  req: MemberConfigRequest,
): Promise<EtcdMemberConfig> {
  const wanted = [req.clientPort ?? 0, req.peerPort ?? 0];
  const free = await freePorts(wanted.filter((p) => p === 0).length, req.host, req.avoidPorts);
  const ports = wanted.map((p) => (p === 0 ? free.shift()! : p));
  const config: EtcdMemberConfig = {
    name: req.name,
    host: req.host ?? "127.0.0.1",
    clientPort: ports[0]!,
    peerPort: ports[1]!,
  };
  await mkdir(etcdDir(dataDir), { recursive: true, mode: 0o700 });
  // Replaced whole (a temp file renamed over it): a crash never leaves a partial file that
  // the next start cannot parse.
  const file = join(etcdDir(dataDir), "member.json");
  await writeFile(`${file}.tmp`, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return config;
}

/** The member.json of an initialized server data dir; throws when there is none. */
export async function loadMemberConfig(dataDir: string): Promise<EtcdMemberConfig> {
  const file = join(etcdDir(dataDir), "member.json");
  if (!existsSync(file))
    throw new Error(`No managed etcd member in ${dataDir} (${file} is missing)`);
  return JSON.parse(await readFile(file, "utf8")) as EtcdMemberConfig;
}

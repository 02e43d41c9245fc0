/**
 * The high-availability side of `k8ts server`, run before the API server
 * starts and once it serves:
 * - `--cluster-init --etcd managed`: the first server. Ensures the cluster
 *   PKI (or copies the CAs and service-account key from --pki-dir), starts a
 *   supervised etcd member of a new cluster and points the API server at it.
 * - `--server URL --token TOKEN`: a joining server. Discovers and verifies
 *   the cluster CA with the token, fetches the control-plane bundle, adds
 *   its own etcd member through the member API and starts it.
 * - afterwards (every server of an HA cluster): publishes cluster-info, the
 *   join RBAC and the refreshed bundle through the API.
 * A server restarted on an existing data dir (with or without those flags)
 * just brings its member back.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { loadKubeconfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import { ensureClusterPki } from "../pki/self-signed.ts";
import { parseToken } from "./bootstrap-token.ts";
import { readLocalBundle, writeLocalBundle } from "./control-plane-bundle.ts";
import { ensureEtcdCa, ensureEtcdMemberPki, type EtcdMemberPki } from "./etcd-pki.ts";
import {
  createMemberConfig,
  etcdDir,
  loadOrCreateMemberConfig,
  peerUrl,
  type EtcdMemberConfig,
} from "./etcd-member-config.ts";
import {
  addMemberWhenReady,
  listMembers,
  promoteMember,
  removeMember,
  withEtcd,
  type EtcdTls,
} from "./etcd-membership.ts";
import { discoverCluster, fetchControlPlaneBundle } from "./join-discovery.ts";
import { EtcdPortInUseError, etcdDataDir, ManagedEtcd } from "./managed-etcd.ts";
import { publishBootstrapInfo } from "./publish-bootstrap.ts";

export interface HaServerFlags {
  dataDir?: string;
  /** The API server's address: a SAN of its serving certificate and the etcd member's address. */
  bindAddress?: string;
  /** --advertise-address: also a SAN of the serving certificate. */
  advertiseAddress?: string;
  nodeName?: string;
  clusterInit?: boolean;
  /** "managed": run an etcd member beside this server (default when joining or with --cluster-init and no --datastore-endpoint). */
  etcd?: string;
  server?: string;
  token?: string;
  discoveryTokenCaCertHash?: string;
  pkiDir?: string;
  /** The API server's port, kept out of the managed member's free-port choice. */
  securePort?: string | number;
  etcdClientPort?: string;
  etcdPeerPort?: string;
  etcdSnapshotCount?: string;
  /** Set by prepareHaServer for the API server when etcd is managed. */
  datastoreEndpoint?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

export interface HaServer {
  etcd?: ManagedEtcd;
  /** Publishes the join information through the API (call once the API server serves). */
  afterStart(plane: { kubeconfigPath: string }): Promise<void>;
  stop(): Promise<void>;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** Files copied from a kubeadm-layout --pki-dir (k8ts certs generate) into <data-dir>/tls. */
const PKI_DIR_FILES = ["ca.crt", "ca.key", "sa.key", "sa.pub", "etcd/ca.crt", "etcd/ca.key"];

/**
 * Prepares an HA server; undefined when the flags ask for none (plain
 * single server). Mutates flags: datastoreEndpoint and the etcd TLS files
 * point at the managed member.
 */
export async function prepareHaServer(
  flags: HaServerFlags,
  defaultDataDir: string,
  log: Log,
): Promise<HaServer | undefined> {
  const joining = flags.server !== undefined || flags.token !== undefined;
  // A server of an HA cluster restarted without its first-start flags keeps its member.
  const restarting = existsSync(
    join(etcdDir(resolve(flags.dataDir ?? defaultDataDir)), "member.json"),
  );
  if (!flags.clusterInit && !joining && !restarting) {
    if (flags.etcd === "managed")
      throw new Error(
        "--etcd managed needs --cluster-init (first server) or --server/--token (join)",
      );
    return undefined;
  }
  if (flags.clusterInit && joining)
    throw new Error("--cluster-init starts a new cluster; do not combine it with --server/--token");
  if (joining && (!flags.server || !flags.token))
    throw new Error("Joining a cluster needs both --server URL and --token TOKEN");
  const dataDir = resolve(flags.dataDir ?? defaultDataDir);
  flags.dataDir = dataDir;
  const tlsDir = join(dataDir, "tls");
  const managed =
    flags.etcd === "managed" || (flags.etcd === undefined && !flags.datastoreEndpoint);
  if (managed && flags.datastoreEndpoint)
    throw new Error("--etcd managed and --datastore-endpoint exclude each other");
  const initialized = existsSync(join(etcdDataDir(dataDir), "member"));

  let joinEndpoints: string[] = [];
  if (flags.pkiDir) await copyPkiDir(resolve(flags.pkiDir), tlsDir);
  if (joining && !initialized) {
    const token = parseToken(flags.token!);
    const { caPem } = await discoverCluster(flags.server!, token, {
      caCertHash: flags.discoveryTokenCaCertHash,
    });
    log("cluster CA verified with the token", { server: flags.server });
    const bundle = await fetchControlPlaneBundle(flags.server!, caPem, token);
    await writeLocalBundle(dataDir, bundle);
    if (managed && bundle.etcdEndpoints.length === 0)
      throw new Error(`Cannot join ${flags.server}: the cluster's datastore is not managed etcd`);
    joinEndpoints = bundle.etcdEndpoints;
  }
  const host =
    flags.bindAddress && flags.bindAddress !== "0.0.0.0" && flags.bindAddress !== "::"
      ? flags.bindAddress
      : "127.0.0.1";
  await ensureClusterPki(tlsDir, {
    ipAddresses: [...new Set([host, flags.advertiseAddress ?? host])].filter(
      (ip) => ip !== "127.0.0.1",
    ),
  });

  let etcd: ManagedEtcd | undefined;
  let pki: EtcdMemberPki | undefined;
  if (managed) {
    await ensureEtcdCa(tlsDir);
    const name = flags.nodeName ?? `${hostname().toLowerCase()}-${randomBytes(3).toString("hex")}`;
    const request = {
      name,
      host,
      clientPort: Number(flags.etcdClientPort ?? 0),
      peerPort: Number(flags.etcdPeerPort ?? 0),
      avoidPorts: flags.securePort ? [Number(flags.securePort)] : [],
    };
    let member = await loadOrCreateMemberConfig(dataDir, request);
    pki = await ensureEtcdMemberPki(tlsDir, member.name, [member.host]);
    const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
    // Ports chosen here for a member that never ran may be taken by anyone before etcd binds
    // them: such a start is retried on other ports (a member that ran keeps its URLs).
    const movable = !initialized && (request.clientPort === 0 || request.peerPort === 0);
    for (let attempt = 1; ; attempt++) {
      try {
        etcd = await startMember(member, {
          dataDir,
          pki,
          tls,
          joinEndpoints: joining && !initialized ? joinEndpoints : undefined,
          failOnPortInUse: movable && attempt < PORT_ATTEMPTS,
          snapshotCount: flags.etcdSnapshotCount ? Number(flags.etcdSnapshotCount) : undefined,
          log,
        });
        break;
      } catch (err) {
        if (!(err instanceof EtcdPortInUseError)) throw err;
        const port = Number(err.address.slice(err.address.lastIndexOf(":") + 1));
        const chosen =
          (port === member.clientPort && request.clientPort === 0) ||
          (port === member.peerPort && request.peerPort === 0);
        if (!chosen) throw err;
        log("etcd port taken before etcd bound it; choosing others", { address: err.address });
        const avoid = [...request.avoidPorts, member.clientPort, member.peerPort];
        member = await createMemberConfig(dataDir, { ...request, avoidPorts: avoid });
      }
    }
    log("etcd member is healthy", { name: member.name, endpoint: etcd.endpoint, pid: etcd.pid });
    flags.datastoreEndpoint = etcd.endpoint;
    flags.etcdCafile = pki.caFile;
    flags.etcdCertfile = pki.clientCertFile;
    flags.etcdKeyfile = pki.clientKeyFile;
  }

  return {
    etcd,
    async afterStart(plane) {
      const config = loadKubeconfig(plane.kubeconfigPath);
      const client = new RestClient({ ...config, userAgent: "k8ts-ha" });
      // Servers starting together may race on the bundle Secret: retry, then only log.
      for (let attempt = 1; ; attempt++) {
        try {
          const endpoints =
            etcd && pki
              ? await withEtcd(
                  [etcd.endpoint],
                  { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
                  async (c) => (await listMembers(c)).flatMap((m) => m.clientURLs),
                )
              : [];
          await publishBootstrapInfo(client, {
            server: config.server,
            caPem: config.ca ?? "",
            bundle: await readLocalBundle(dataDir, endpoints),
          });
          break;
        } catch (err) {
          if (attempt >= 3) {
            log("cannot publish the join information", { err: (err as Error).message });
            break;
          }
          await new Promise<void>((r) => setTimeout(r, 500 * attempt));
        }
      }
      client.close();
    },
    async stop() {
      await etcd?.stop();
    },
  };
}

/** How many port choices a new managed member tries before giving up. */
const PORT_ATTEMPTS = 5;

/**
 * Starts the member (a joining one is added as a learner first and promoted
 * once healthy). On failure etcd is stopped and a learner that never came up
 * is removed again (it holds no quorum vote) with its data dir, so the
 * caller can retry (EtcdPortInUseError: on other ports).
 */
async function startMember(
  member: EtcdMemberConfig,
  o: {
    dataDir: string;
    pki: EtcdMemberPki;
    tls: EtcdTls;
    /** The cluster to join (undefined: a new cluster or a member that ran before). */
    joinEndpoints?: string[];
    failOnPortInUse: boolean;
    snapshotCount?: number;
    log: Log;
  },
): Promise<ManagedEtcd> {
  let initialCluster = `${member.name}=${peerUrl(member)}`;
  let state: "new" | "existing" = "new";
  let learnerId: string | undefined;
  if (o.joinEndpoints) {
    const added = await addMemberWhenReady(o.joinEndpoints, o.tls, member.name, peerUrl(member), {
      learner: true,
    });
    initialCluster = added.initialCluster;
    learnerId = added.id;
    state = "existing";
    o.log("etcd member added as a learner", { name: member.name, initialCluster });
  }
  const etcd = new ManagedEtcd({
    dataDir: o.dataDir,
    member,
    pki: o.pki,
    initialCluster,
    initialClusterState: state,
    snapshotCount: o.snapshotCount,
    failOnPortInUse: o.failOnPortInUse,
    log: o.log,
  });
  try {
    await etcd.start();
    if (learnerId) {
      await withEtcd(o.joinEndpoints!, o.tls, (c) => promoteMember(c, learnerId));
      o.log("etcd member promoted to voter", { name: member.name });
    }
  } catch (err) {
    await etcd.stop();
    if (learnerId) {
      await withEtcd(o.joinEndpoints!, o.tls, (c) => removeMember(c, learnerId)).catch(() => {});
      await rm(etcdDataDir(o.dataDir), { recursive: true, force: true });
    }
    throw err;
  }
  return etcd;
}

async function copyPkiDir(from: string, tlsDir: string): Promise<void> {
  for (const rel of PKI_DIR_FILES) {
    const src = join(from, rel);
    const dst = join(tlsDir, rel);
    if (!existsSync(src) || existsSync(dst)) continue;
    await mkdir(dirname(dst), { recursive: true, mode: 0o700 });
    await copyFile(src, dst);
  }
  if (!existsSync(join(tlsDir, "ca.crt")))
    throw new Error(`Cannot use --pki-dir ${from}: it has no ca.crt/ca.key`);
}

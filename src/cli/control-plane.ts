/**
 * Starts the API server the way `k8ts server` and `k8ts apiserver` need it:
 * data dir, storage backend from --datastore-endpoint (SQLite under the data
 * dir by default), serving certificates (generated with a CA when none are
 * given) and the admin kubeconfig.
 */
import { homedir } from "node:os";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Backend } from "../storage/backend.ts";
import { openBackend } from "../storage/open-backend.ts";
import { parseGoDuration } from "../util/go-duration.ts";
import { createLogger } from "../util/logger.ts";
import { logSteps, StepTimer } from "../util/step-timer.ts";
import { startApiServer, type ApiServer } from "../apiserver/server.ts";
import { LoopbackIdentities } from "../apiserver/loopback.ts";
import { ensureClusterPki } from "../pki/self-signed.ts";
import { writeKubeconfig } from "../pki/kubeconfig.ts";
import type { AuthFlags } from "../auth/flags.ts";
import { serviceOptionsFromFlags, type ServiceFlags } from "../apiserver/services/service-flags.ts";
import type { AdmissionFlags } from "../apiserver/admission/builtin/admission-flags.ts";
import type { FrontProxyFlags } from "../apiserver/aggregator/front-proxy.ts";

export interface ControlPlaneFlags
  extends AuthFlags, AdmissionFlags, ServiceFlags, FrontProxyFlags {
  dataDir?: string;
  bindAddress?: string;
  securePort?: string | number;
  datastoreEndpoint?: string;
  writeKubeconfig?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** etcd client TLS (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile). */
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  /** Deadline of requests that are not long-running (Go duration; default 1m0s). */
  requestTimeout?: string;
}

export interface RunningControlPlane {
  apiServer: ApiServer;
  backend: Backend;
  dataDir: string;
  kubeconfigPath: string;
  /** The in-process components' transport: the socket and the tokens it accepts. */
  loopback?: { socketPath: string; identities: LoopbackIdentities };
  stop(): Promise<void>;
}

/** --request-timeout in ms; a value that is not a positive Go duration stops start-up. */
export function requestTimeoutMs(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const ms = parseGoDuration(flag);
  if (!(ms > 0)) throw new Error(`--request-timeout must be a positive duration, got "${flag}"`);
  return ms;
}

/** /var/lib/k8ts as root, ~/.k8ts otherwise. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? "/var/lib/k8ts" : join(homedir(), ".k8ts");
}

export async function startControlPlane(flags: ControlPlaneFlags): Promise<RunningControlPlane> {
  const dataDir = resolve(flags.dataDir ?? defaultDataDir());
  const endpoint = flags.datastoreEndpoint ?? "";
  const [backend, pki] = await Promise.all([
    openBackend(endpoint, {
      dataDir,
      caFile: flags.etcdCafile,
      certFile: flags.etcdCertfile,
      keyFile: flags.etcdKeyfile,
    }),
    // The serving certificate also names the address this server binds and advertises.
    ensureClusterPki(join(dataDir, "tls"), {
      ipAddresses: [flags.bindAddress, flags.advertiseAddress].filter(
        (ip): ip is string => !!ip && ip !== "0.0.0.0" && ip !== "::" && ip !== "127.0.0.1",
      ),
    }),
  ]);
  await backend.start();
  const serving =
    flags.tlsCertFile && flags.tlsPrivateKeyFile
      ? {
          certPem: await readFile(flags.tlsCertFile, "utf8"),
          keyPem: await readFile(flags.tlsPrivateKeyFile, "utf8"),
        }
      : pki.serving;
  const port = flags.securePort === undefined ? 6443 : Number(flags.securePort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Invalid --secure-port ${flags.securePort}`);
  const { authStackFromFlags } = await import("../auth/flags.ts");
  const { frontProxyFromFlags } = await import("../apiserver/aggregator/front-proxy.ts");
  const frontProxy = await frontProxyFromFlags(flags, join(dataDir, "tls"));
  const clientCaPem = flags.clientCaFile
    ? await readFile(flags.clientCaFile, "utf8")
    : pki.ca.certPem;
  const loopbackIdentities = new LoopbackIdentities();
  const auth = await authStackFromFlags(flags, {
    loopback: loopbackIdentities,
    requestHeader: frontProxy.requestHeader,
    clusterCaPem: pki.ca.certPem,
    serviceAccountKeyPem: pki.serviceAccountKeyPem,
    now: () => Date.now(),
  });
  const { registryWithAuth } = await import("../auth/resources.ts");
  const { withEncryptionAtRest } = await import("../auth/encryption/setup.ts");
  const storage = await withEncryptionAtRest(backend, flags.encryptionProviderConfig, dataDir);
  const { builtinAdmission } = await import("../apiserver/admission/builtin/builtin-admission.ts");
  const { admissionOptionsFromFlags } =
    await import("../apiserver/admission/builtin/admission-flags.ts");
  const admission = builtinAdmission({
    ...admissionOptionsFromFlags(flags),
    authorizer: auth.authorizer,
  });
  const { extensibilityAdmission } =
    await import("../apiserver/admission/webhook/extensibility.ts");
  const extensibility = extensibilityAdmission({ authorizer: auth.authorizer });
  auth.pipeline.admission = admission.chain([...auth.pipeline.admission, ...extensibility.plugins]);
  const { Aggregator } = await import("../apiserver/aggregator/aggregator.ts");
  const aggregator = new Aggregator({
    proxyClient: frontProxy.proxyClient,
    authenticationInfo: { clientCaPem, requestHeader: frontProxy.requestHeader },
  });
  auth.pipeline.filters.push(aggregator.filter());
  const { connectAdmissionFilter } = await import("../apiserver/admission/connect-admission.ts");
  auth.pipeline.filters.push(connectAdmissionFilter());
  const apiServer = await startApiServer({
    backend: storage,
    registry: registryWithAuth(),
    pipeline: auth.pipeline,
    services: serviceOptionsFromFlags(flags),
    requestTimeoutMs: requestTimeoutMs(flags.requestTimeout),
    bindAddress: flags.bindAddress ?? "127.0.0.1",
    port,
    loopbackSocket: join(dataDir, "apiserver.sock"),
    tls: {
      certPem: serving.certPem,
      keyPem: serving.keyPem,
      // Front proxies' certificates are verified by the request-header authenticator.
      clientCaPem: `${clientCaPem.trimEnd()}\n${frontProxy.requestHeader.clientCaPem}`,
    },
  });
  admission.bind(apiServer.context);
  extensibility.bind(apiServer.context);
  // The admin kubeconfig names this server: its own address and port.
  const { adminServerUrl } = await import("../ha/admin-client.ts");
  const server = adminServerUrl({
    bindAddress: flags.bindAddress,
    advertiseAddress: flags.advertiseAddress,
    port: apiServer.port,
  });
  const kubeconfig = {
    server,
    caPem: pki.ca.certPem,
    clientCertPem: pki.admin.certPem,
    clientKeyPem: pki.admin.keyPem,
  };
  const kubeconfigPath = join(dataDir, "admin.kubeconfig");
  await writeKubeconfig(kubeconfigPath, kubeconfig);
  if (flags.writeKubeconfig) await writeKubeconfig(resolve(flags.writeKubeconfig), kubeconfig);
  if (flags.mergeKubeconfig) {
    const { mergeKubeconfigFile } = await import("../pki/kubeconfig.ts");
    const target =
      typeof flags.mergeKubeconfig === "string"
        ? resolve(flags.mergeKubeconfig)
        : join(homedir(), ".kube", "config");
    await mergeKubeconfigFile(target, kubeconfig);
  }
  await auth.start(apiServer.context);
  await aggregator.start(apiServer.context);
  const { setupKubeletClient } = await import("../apiserver/proxy/kubelet-client-cert.ts");
  await setupKubeletClient(apiServer.context, join(dataDir, "tls"), pki.ca);
  const { startCsrSigner } = await import("../controllers/certificates/run-signer.ts");
  const signer = await startCsrSigner(server, pki.ca, (msg) => process.stderr.write(`${msg}\n`));
  let stopped = false;
  return {
    apiServer,
    backend,
    dataDir,
    kubeconfigPath: flags.writeKubeconfig ? resolve(flags.writeKubeconfig) : kubeconfigPath,
    loopback: apiServer.loopbackSocket
      ? { socketPath: apiServer.loopbackSocket, identities: loopbackIdentities }
      : undefined,
    async stop() {
      if (stopped) return;
      stopped = true;
      const t = new StepTimer();
      await signer.stop();
      t.lap("csrSignerMs");
      await apiServer.close();
      t.lap("apiServerMs");
      await backend.close();
      t.lap("storageMs");
      logSteps(createLogger("server"), "control plane stopped", t);
    },
  };
}

/** Something that can be stopped once it has started. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Stops cleanly on SIGINT/SIGTERM and exits. Installed before start-up
 * begins: a signal that arrives while `started` is pending waits for it and
 * then stops everything it started (stopping half-started parts instead left
 * a server running without its API). A second signal, or a stop that takes
 * longer than `graceMs`, exits at once.
 */
export function stopOnSignals(started: Promise<Stoppable>, graceMs = 30_000): void {
  started.catch(() => {}); // start-up errors are reported by the command itself
  let signalled = false;
  const onSignal = (signal: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    setTimeout(() => {
      process.stderr.write(`k8ts: still stopping ${graceMs} ms after ${signal}; exiting\n`);
      process.exit(1);
    }, graceMs).unref();
    void started
      .then((s) => s.stop())
      .catch((err) => process.stderr.write(`k8ts: stopping failed: ${String(err)}\n`))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** A promise with its resolve/reject functions (Promise.withResolvers is Node 22). */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeEtcdTestCerts } from "./etcd-certs.ts";
import { freePorts } from "../../util/free-ports.ts";

/** Distinct free TCP ports on 127.0.0.1 (see util/free-ports.ts). */
export { freePorts };

/** A running single-member etcd on loopback, owned by the caller. */
export interface EtcdProcess {
  /** Client URLs (http:// or https://), one per client listener. */
  endpoints: string[];
  /** With tls: the CA that signed the server and client certificates. */
  caFile?: string;
  /** With tls: a client certificate etcd accepts (CN apiserver-etcd-client). */
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  /** The current etcd process. */
  readonly pid: number;
  /** Kills etcd with SIGKILL and starts it again on the same ports and data; resolves when it serves. */
  restart(): Promise<void>;
  /** Stops etcd (SIGTERM, then SIGKILL after 5 s) and removes dataDir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Serve https only, requiring client certificates signed by a throwaway CA. */
  tls?: boolean;
  /** Client listeners to open (default 1); each becomes one endpoint. */
  clientListeners?: number;
  /** Path of the etcd binary (default: $ETCD_BIN or "etcd" on the PATH). */
  binary?: string;
  /** Give up waiting for readiness after this many ms (default 30000). */
  readyTimeoutMs?: number;
  /** Where the data dir is made (default: the system temp dir). */
  parentDir?: string;
}

/**
 * Starts the system etcd on 127.0.0.1 with free ports and its own temp data
 * dir, and resolves once it serves client requests. Writes are fsync'd as in
 * production. The caller must call stop(); the process is also killed if this
 * Node process exits first.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  let lastError: unknown;
  // A free port found by binding port 0 can be taken before etcd binds it; retry then.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err;
      if (!String(err).includes("address already in use")) throw err;
    }
  }
  throw lastError;
}

async function startOnce(opts: StartEtcdOptions): Promise<EtcdProcess> {
  const dataDir = await mkdtemp(join(opts.parentDir ?? tmpdir(), "k8ts-etcd-"));
  try {
    const scheme = opts.tls ? "https" : "http";
    const ports = await freePorts((opts.clientListeners ?? 1) + 1);
    const peerUrl = `http://127.0.0.1:${ports[0]}`;
    const endpoints = ports.slice(1).map((p) => `${scheme}://127.0.0.1:${p}`);
    const args = [
      "--name=k8ts-test",
      `--data-dir=${join(dataDir, "member")}`,
      `--listen-client-urls=${endpoints.join(",")}`,
      `--advertise-client-urls=${endpoints.join(",")}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=k8ts-test=${peerUrl}`,
      "--initial-cluster-state=new",
      // Room for a 1.5 MiB value plus its key and request framing.
      `--max-request-bytes=${2 * 1024 * 1024}`,
      "--logger=zap",
      "--log-level=info",
    ];
    let tlsFiles: { caFile: string; certFile: string; keyFile: string } | undefined;
    if (opts.tls) {
      const certs = await makeEtcdTestCerts(dataDir);
      tlsFiles = {
        caFile: certs.caFile,
        certFile: certs.clientCertFile,
        keyFile: certs.clientKeyFile,
      };
      args.push(
        `--cert-file=${certs.serverCertFile}`,
        `--key-file=${certs.serverKeyFile}`,
        `--trusted-ca-file=${certs.caFile}`,
        "--client-cert-auth=true",
      );
    }
    const binary = opts.binary ?? process.env.ETCD_BIN ?? "etcd";
    const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    let child: ChildProcess | undefined;
    const killOnExit = () => child?.kill("SIGKILL");
    process.on("exit", killOnExit);
    const launch = async () => {
      child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
      await waitReady(child, endpoints.length, readyTimeoutMs);
      await checkHealth(endpoints[0]!, tlsFiles);
    };
    const stop = once(async () => {
      process.off("exit", killOnExit);
      if (child) await killAndWait(child, "SIGTERM");
      await rm(dataDir, { recursive: true, force: true });
    });
    try {
      await launch();
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      endpoints,
      ...tlsFiles,
      dataDir,
      get pid() {
        return child!.pid!;
      },
      async restart() {
        await killAndWait(child!, "SIGKILL");
        await launch();
      },
      stop,
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Resolves when etcd has logged "serving client traffic" for each listener
 * (it serves only once the member is ready); rejects with its log tail if it
 * exits first.
 */
function waitReady(child: ChildProcess, listeners: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(
      () => finish(new Error(`etcd not ready after ${timeoutMs} ms:\n${log.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.split("serving client traffic").length > listeners) finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`etcd exited (${signal ?? code}) before serving:\n${log.slice(-2000)}`));
    const onError = (err: Error) => finish(new Error(`Cannot start etcd: ${err.message}`));
    const finish = (err?: Error) => {
      clearTimeout(timer);
      child.stderr!.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
      // Keep draining stderr so etcd never blocks on a full pipe.
      child.stderr!.resume();
      if (err) reject(err);
      else resolve();
    };
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

async function checkHealth(
  endpoint: string,
  tls: { caFile: string; certFile: string; keyFile: string } | undefined,
): Promise<void> {
  const url = new URL("/health", endpoint);
  const tlsOpts = tls
    ? {
        ca: await readFile(tls.caFile),
        cert: await readFile(tls.certFile),
        key: await readFile(tls.keyFile),
      }
    : undefined;
  const body = await new Promise<string>((resolve, reject) => {
    const done = (res: IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve(text));
      res.on("error", reject);
    };
    const req = tlsOpts ? httpsRequest(url, tlsOpts, done) : httpRequest(url, done);
    req.on("error", reject);
    req.end();
  });
  if (!body.includes('"health":"true"'))
    throw new Error(`etcd at ${endpoint} is unhealthy: ${body}`);
}

/** Sends signal (SIGKILL after 5 s) and resolves once the process has exited. */
async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

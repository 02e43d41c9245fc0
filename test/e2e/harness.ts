/**
 * End-to-end harness: starts `k8ts server` as a real child process on a free
 * loopback port with its own data dir, waits for /readyz, and runs the real
 * kubectl against the kubeconfig it writes. Everything is removed on stop.
 */
import { spawn, type ChildProcess, execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";
import { K8TS_NODE_FLAGS } from "../../src/util/node-flags.ts";
import { track } from "./processes.ts";

export { runCommand, stopChild, track, type RunResult } from "./processes.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A free TCP port on 127.0.0.1 (bound then released): anything may take it
 * before the caller binds it. For a process of ours, prefer port 0 and read
 * the port it bound (spawnServer does).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts something of ours that cannot be asked for port 0 (its flag's 0
 * means "off", as upstream's) on a free port: `start(port)` resolves once it
 * listens and rejects when it could not. A port taken between the choice and
 * the bind (the error names EADDRINUSE) is chosen again, up to 3 times.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      last = err;
      if (!/EADDRINUSE|address already in use/i.test(String(err))) throw err;
    }
  }
  throw last;
}

/**
 * Resolves once the child's output (`output()`, read every 100 ms) has a
 * whole line matching `re` (the child is tracked: killed if this test
 * process ends early); rejects with that output when the child exits
 * first or after timeoutMs (default 90 s, as a server's start; the child is then killed).
 */
export async function untilOutput(
  child: ChildProcess,
  output: () => string,
  re: RegExp,
  timeoutMs = 90_000,
): Promise<string> {
  track(child);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = output()
      .split("\n")
      .slice(0, -1)
      .find((l) => re.test(l));
    if (line !== undefined) return line;
    const failed =
      child.exitCode !== null || child.signalCode !== null
        ? `exited (${child.exitCode ?? child.signalCode})`
        : Date.now() > deadline
          ? `printed no line matching ${re} within ${timeoutMs} ms`
          : "";
    if (failed) {
      child.kill("SIGKILL");
      throw new Error(`${child.spawnfile} ${failed}:\n${output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  /** Runs kubectl with the cluster's kubeconfig and a private cache dir. */
  kubectl(
    args: string[],
    opts?: { input?: string; env?: Record<string, string> },
  ): Promise<KubectlResult>;
  /** Like kubectl() but fails the test on a non-zero exit. */
  kubectlOk(
    args: string[],
    opts?: { input?: string; env?: Record<string, string> },
  ): Promise<string>;
  /** Raw HTTPS request to the API server (TLS verification off; auth by admin client cert). */
  request(
    method: string,
    path: string,
    body?: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>;
  /** Starts a long-running kubectl (e.g. `get -w`) whose output can be awaited line by line. */
  kubectlStream(args: string[]): KubectlStream;
  logs(): string;
  /** The server process's pid (benchmarks read its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

export interface KubectlStream {
  /** Resolves when stdout has a whole line matching re (or rejects when kubectl exits first). */
  waitFor(re: RegExp): Promise<string>;
  output(): string;
  stop(): Promise<KubectlResult>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Extra node flags for the server process (e.g. --cpu-prof in benchmarks). */
  nodeArgs?: string[];
  /** The CLI script to run (default bin/k8ts), e.g. a bundle's main.js. */
  entry?: string;
}

/** A spawned `k8ts server` process and its combined output. */
export interface ServerProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /**
   * The API server's port: the one asked for, or (port 0) the one it bound,
   * read from the admin kubeconfig it writes once listening. Rejects when the
   * server exits first or after timeoutMs (default 90 s).
   */
  port(timeoutMs?: number): Promise<number>;
}

/**
 * Spawns `k8ts server --disable-agent` on 127.0.0.1:`port` with `dataDir`
 * (plus opts.args), output collected; does not wait for readiness. Without a
 * port (or 0) the server binds any free port itself, so nothing can take it
 * between a choice and the bind (a port picked here and released could be).
 */
export function spawnServer(
  opts: StartOptions & { dataDir: string; port?: number },
): ServerProcess {
  const kubeconfig = join(opts.dataDir, "admin.kubeconfig");
  // A kubeconfig left by an earlier server in this data dir names that server's port.
  if (!opts.port) rmSync(kubeconfig, { force: true });
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...K8TS_NODE_FLAGS,
      ...(opts.nodeArgs ?? []),
      opts.entry ?? join(repoRoot, "bin", "k8ts"),
      "server",
      "--disable-agent",
      "--data-dir",
      opts.dataDir,
      "--bind-address",
      "127.0.0.1",
      "--secure-port",
      String(opts.port ?? 0),
      ...(opts.args ?? []),
    ],
    { env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  track(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  async function port(timeoutMs = 90_000): Promise<number> {
    if (opts.port) return opts.port;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The closing quote proves the line was read whole (the file is not written atomically).
      const text = await readFile(kubeconfig, "utf8").catch(() => "");
      const bound = /server: "https:\/\/[^"]+:(\d+)"/.exec(text);
      if (bound) return Number(bound[1]);
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`k8ts server exited before listening:\n${output}`);
      if (Date.now() > deadline)
        throw new Error(`k8ts server not listening within ${timeoutMs} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { child, output: () => output, exited, port };
}

/** Starts `k8ts server --disable-agent` and waits until /readyz answers 200. */
export async function startCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-e2e-"));
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  const cacheDir = join(dataDir, "kubectl-cache");
  const server = spawnServer({ ...opts, dataDir });
  const { child, exited } = server;
  // A server that never gets ready is killed and its data dir removed.
  const abandon = async (err: unknown): Promise<never> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  };
  const deadline = Date.now() + 90_000;
  const port = await server.port(deadline - Date.now()).catch(abandon);

  const url = `https://127.0.0.1:${port}`;
  let clientCert: { cert?: string; key?: string } = {};

  async function request(
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ) {
    return new Promise<{
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    }>((resolve, reject) => {
      // Node sends DELETE bodies without framing unless told their length.
      const framing: Record<string, string> =
        body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
      const req = https.request(
        {
          host: "127.0.0.1",
          port,
          method,
          path,
          headers: { ...framing, ...headers },
          rejectUnauthorized: false,
          cert: clientCert.cert,
          key: clientCert.key,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  for (;;) {
    if (child.exitCode !== null)
      await abandon(new Error(`k8ts server exited early:\n${server.output()}`));
    try {
      const res = await request("GET", "/readyz");
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      await abandon(new Error(`k8ts server not ready within 90 s:\n${server.output()}`));
    await new Promise((r) => setTimeout(r, 100));
  }
  clientCert = await readClientCert(kubeconfig);

  function kubectl(
    args: string[],
    o: { input?: string; env?: Record<string, string> } = {},
  ): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const proc = execFile(
        "kubectl",
        ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args],
        { env: { ...process.env, ...o.env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (o.input !== undefined) proc.stdin?.end(o.input);
      else proc.stdin?.end();
    });
  }

  return {
    url,
    port,
    dataDir,
    kubeconfig,
    kubectl,
    async kubectlOk(args, o) {
      const res = await kubectl(args, o);
      if (res.code !== 0) {
        // A server that died explains the failure: say how, with its last output.
        const died =
          child.exitCode !== null || child.signalCode !== null
            ? `\nk8ts server exited (${child.exitCode ?? child.signalCode}); its last output:\n${server.output().slice(-4000)}`
            : "";
        throw new Error(
          `kubectl ${args.join(" ")} failed (${res.code}):\n${res.stderr}${res.stdout}${died}`,
        );
      }
      return res.stdout;
    },
    request,
    kubectlStream(args) {
      return streamKubectl(["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args]);
    },
    logs: () => server.output(),
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads the admin client certificate out of a kubeconfig (inline data). */
async function readClientCert(path: string): Promise<{ cert?: string; key?: string }> {
  try {
    const { parse } = await import("yaml");
    const cfg = parse(await readFile(path, "utf8")) as {
      users?: { user?: Record<string, string> }[];
    };
    const user = cfg.users?.[0]?.user ?? {};
    const decode = (s?: string) => (s ? Buffer.from(s, "base64").toString() : undefined);
    return { cert: decode(user["client-certificate-data"]), key: decode(user["client-key-data"]) };
  } catch {
    return {};
  }
}

function streamKubectl(args: string[]): KubectlStream {
  const proc = spawn("kubectl", args, { stdio: ["ignore", "pipe", "pipe"] });
  track(proc);
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    // Whole lines only: a line cut between two reads could match with a number cut short.
    const lines = stdout.split("\n").slice(0, -1);
    for (const w of [...waiters]) {
      const line = lines.find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  proc.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<KubectlResult>((resolve) =>
    proc.once("exit", (code) => {
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`kubectl exited before ${w.re}: ${stderr}${stdout}`));
      }
      resolve({ code: code ?? 1, stdout, stderr });
    }),
  );
  return {
    waitFor(re) {
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check();
        if (proc.exitCode !== null) reject(new Error(`kubectl already exited: ${stderr}`));
      });
    },
    output: () => stdout,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return done;
    },
  };
}

/**
 * Polls fn every 200 ms until it returns a value other than undefined or
 * false (a throw counts as "not yet"); fails with `what`, the last error and
 * `context()` (e.g. a component's log) after timeoutMs (default 120 s: a
 * passing test never waits it out; at load 30 on 2 cores a step spanning
 * several processes can take a minute).
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const error = last === undefined ? "" : `: ${String(last)}`;
      throw new Error(
        `timed out waiting for ${what}${error}${opts.context ? `\n${opts.context()}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

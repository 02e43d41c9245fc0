/**
 * An API server for tests: SQLite in a temporary directory (or the backend
 * the test gives), plain HTTP on a free port, a fake clock. `call` sends one
 * request and decodes the reply.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { FakeClock } from "../../client/clock.ts";
import { RestClient } from "../../client/rest-client.ts";
import type { Backend } from "../../storage/backend.ts";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { startApiServer, type ApiServer, type ApiServerOptions } from "../server.ts";

export interface TestReply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestServer {
  server: ApiServer;
  clock: FakeClock;
  /** The server's storage: the backend given in the options, else its own SQLite. */
  backend: Backend;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestReply>;
  close(): Promise<void>;
}

/**
 * Starts a server; `body` strings are sent verbatim, other values as JSON.
 * `beforeReady` runs once the server listens but before its bootstrap
 * objects are awaited: admission plugins that need the server (bound there)
 * may be asked to admit those objects. A `backend` given in the options is
 * the server's (and `backend`'s) storage, started and closed by the caller;
 * else the server gets a SQLite database of its own, closed with it.
 */
export async function startTestServer(
  opts: Partial<ApiServerOptions> & { beforeReady?: (server: ApiServer) => void } = {},
): Promise<TestServer> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const { beforeReady, backend: given, ...serverOpts } = opts;
  let dir: string | undefined;
  let own: SqliteBackend | undefined;
  if (given === undefined) {
    dir = await mkdtemp(join(tmpdir(), "k8ts-apiserver-test-"));
    own = new SqliteBackend({
      path: join(dir, "state.db"),
      compactIntervalMs: 0,
      ttlCheckIntervalMs: 0,
    });
    await own.start();
  }
  const backend: Backend = given ?? own!;
  const server = await startApiServer({ port: 0, clock, ...serverOpts, backend });
  beforeReady?.(server);
  await server.ready;
  return {
    server,
    clock,
    backend,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
          (init.headers as Record<string, string>)["Content-Type"] = "application/json";
        }
      }
      const res = await fetch(server.url + path, init);
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    },
    async close() {
      await server.close();
      await own?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One server for a test file: started in `before`, closed in `after`. The
 * returned object forwards to it (use it only inside tests and hooks).
 */
export function useTestServer(opts: Parameters<typeof startTestServer>[0] = {}): TestServer {
  let current: TestServer | undefined;
  before(async () => {
    current = await startTestServer(opts);
  });
  after(async () => {
    await current?.close();
  });
  const now = (): TestServer => {
    if (!current) throw new Error("the test server is used before it started");
    return current;
  };
  return {
    get server() {
      return now().server;
    },
    get clock() {
      return now().clock;
    },
    get backend() {
      return now().backend;
    },
    call: (method, path, body, headers) => now().call(method, path, body, headers),
    close: () => now().close(),
  };
}

/**
 * A RestClient (1000 QPS) on a test server from useTestServer, made on first
 * use inside a test (Node 20 runs a file's top-level `before` hooks
 * concurrently, so it cannot be made in one) and closed in `after`.
 */
export function useRestClient(api: TestServer): RestClient {
  let current: RestClient | undefined;
  after(() => current?.close());
  return new Proxy({} as RestClient, {
    get(_, prop) {
      current ??= new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
      const value: unknown = Reflect.get(current, prop);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}

/** A ConfigMap body with data {k: v}; `extra` goes into its metadata. */
export function configMap(name: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data: { k: "v" } };
}

/** The arguments of one storage update the API server makes (ObjectStore.update). */
export type StoreUpdateArgs = Parameters<ApiServer["context"]["store"]["update"]>;

/**
 * Runs `fn` while every storage update of t's server first awaits
 * `before(...its arguments)`, which may change storage meanwhile (another
 * writer) or throw (the update fails with that).
 */
export async function withStoreUpdateHook<T>(
  t: TestServer,
  before: (...a: StoreUpdateArgs) => Promise<void>,
  fn: () => Promise<T>,
): Promise<T> {
  const store = t.server.context.store;
  const update = store.update;
  store.update = async (...a: StoreUpdateArgs) => {
    await before(...a);
    return update.apply(store, a);
  };
  try {
    return await fn();
  } finally {
    store.update = update;
  }
}

/** Rewrites key's value as it is (a write by someone else: the revision moves). */
export async function moveRevision(t: TestServer, key: string): Promise<void> {
  const kv = (await t.backend.get(key)).kv!;
  await t.backend.update(key, kv.value, kv.modRevision);
}

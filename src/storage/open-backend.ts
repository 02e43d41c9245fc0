import { isAbsolute, join, resolve } from "node:path";
import type { Backend } from "./backend.ts";
import { StorageError } from "./errors.ts";

/** Which driver a datastore URL selects, and its settings. */
export type DatastoreSpec =
  { driver: "sqlite"; path: string } | { driver: "etcd"; endpoints: string[]; tls: boolean };

export interface OpenBackendOptions {
  /** Base for relative and default sqlite paths (default: the working directory). */
  dataDir?: string;
  /** etcd TLS: CA bundle, client certificate and key (PEM files). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Where the default embedded datastore lives under a data dir. */
export function defaultDatastorePath(dataDir: string): string {
  return join(dataDir, "db", "state.db");
}

/**
 * Parses a --datastore-endpoint URL:
 * - "" or "sqlite://": SQLite at defaultDatastorePath(dataDir);
 * - "sqlite:///abs/state.db": absolute path; "sqlite://rel/state.db": relative to dataDir;
 * - "etcd://h:2379,h2:2379" or "http://h:2379,...": etcd without TLS;
 * - "https://h:2379,h2:2379": etcd over TLS (certificates from the options).
 * Throws InvalidArgument for anything else.
 */
export function parseDatastoreEndpoint(url: string, opts: OpenBackendOptions = {}): DatastoreSpec {
  const base = opts.dataDir ?? process.cwd();
  if (url === "") return { driver: "sqlite", path: defaultDatastorePath(base) };
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) {
    throw invalid(
      url,
      "expected scheme://..., e.g. sqlite:///var/lib/k8ts/state.db or etcd://127.0.0.1:2379",
    );
  }
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  switch (scheme) {
    case "sqlite": {
      const path = rest.split("?")[0];
      if (path === "") return { driver: "sqlite", path: defaultDatastorePath(base) };
      return { driver: "sqlite", path: isAbsolute(path) ? path : resolve(base, path) };
    }
    case "etcd":
    case "http":
    case "https": {
      const tls = scheme === "https";
      const hosts = rest
        .split(",")
        .map((h) => h.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, ""))
        .filter((h) => h !== "");
      if (hosts.length === 0) throw invalid(url, "no etcd endpoints given");
      for (const h of hosts) {
        if (!/^(\[[0-9a-f:.]+\]|[^:/\s]+):\d+$/i.test(h)) {
          throw invalid(url, `etcd endpoint ${JSON.stringify(h)} is not host:port`);
        }
      }
      return {
        driver: "etcd",
        tls,
        endpoints: hosts.map((h) => `${tls ? "https" : "http"}://${h}`),
      };
    }
    default:
      throw invalid(
        url,
        `unknown scheme "${scheme}" (want sqlite://, etcd://, http:// or https://)`,
      );
  }
}

/**
 * Creates the Backend a datastore URL names (see parseDatastoreEndpoint),
 * not yet started: the caller calls start(), and owns close(). The etcd
 * driver is imported only when an etcd URL is used.
 */
export async function openBackend(url: string, opts: OpenBackendOptions = {}): Promise<Backend> {
  const spec = parseDatastoreEndpoint(url, opts);
  let backend: Backend;
  if (spec.driver === "sqlite") {
    const { SqliteBackend } = await import("./drivers/sqlite.ts");
    backend = new SqliteBackend({ path: spec.path });
  } else {
    const { EtcdBackend } = await import("./drivers/etcd.ts");
    backend = new EtcdBackend({
      endpoints: spec.endpoints,
      caFile: opts.caFile,
      certFile: opts.certFile,
      keyFile: opts.keyFile,
    });
  }
  return backend;
}

function invalid(url: string, why: string): StorageError {
  return new StorageError(
    "InvalidArgument",
    `Cannot open datastore ${JSON.stringify(url)}: ${why}`,
  );
}

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isStorageError } from "./errors.ts";
import { openBackend, parseDatastoreEndpoint, type DatastoreSpec } from "./open-backend.ts";

const dataDir = "/var/lib/k8ts";

describe("parseDatastoreEndpoint", () => {
  const ok: Array<[string, DatastoreSpec]> = [
    ["", { driver: "sqlite", path: "/var/lib/k8ts/db/state.db" }],
    ["sqlite://", { driver: "sqlite", path: "/var/lib/k8ts/db/state.db" }],
    ["sqlite:///tmp/x/state.db", { driver: "sqlite", path: "/tmp/x/state.db" }],
    ["sqlite://data/state.db", { driver: "sqlite", path: "/var/lib/k8ts/data/state.db" }],
    ["sqlite:///tmp/s.db?cache=shared", { driver: "sqlite", path: "/tmp/s.db" }],
    ["etcd://127.0.0.1:2379", { driver: "etcd", tls: false, endpoints: ["http://127.0.0.1:2379"] }],
    [
      "etcd://a:2379,b:2379/",
      { driver: "etcd", tls: false, endpoints: ["http://a:2379", "http://b:2379"] },
    ],
    ["http://127.0.0.1:2379", { driver: "etcd", tls: false, endpoints: ["http://127.0.0.1:2379"] }],
    [
      "https://10.0.0.1:2379,10.0.0.2:2379",
      { driver: "etcd", tls: true, endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"] },
    ],
    [
      "https://a:2379,https://b:2379",
      { driver: "etcd", tls: true, endpoints: ["https://a:2379", "https://b:2379"] },
    ],
    ["etcd://[::1]:2379", { driver: "etcd", tls: false, endpoints: ["http://[::1]:2379"] }],
  ];
  for (const [url, want] of ok) {
    test(`accepts ${JSON.stringify(url)}`, () => {
      assert.deepEqual(parseDatastoreEndpoint(url, { dataDir }), want);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ["mysql://root@tcp(127.0.0.1:3306)/k8ts", /unknown scheme "mysql"/],
    ["/var/lib/state.db", /expected scheme/],
    ["etcd://", /no etcd endpoints/],
    ["etcd://host-without-port", /not host:port/],
    ["https://a:2379,b", /not host:port/],
  ];
  for (const [url, message] of bad) {
    test(`rejects ${JSON.stringify(url)}`, () => {
      assert.throws(
        () => parseDatastoreEndpoint(url, { dataDir }),
        (err) => isStorageError(err, "InvalidArgument") && message.test(err.message),
      );
    });
  }
});

describe("openBackend", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-open-backend-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("opens a sqlite backend at a relative path under the data dir", async () => {
    const backend = await openBackend("sqlite://sub/state.db", { dataDir: dir });
    await backend.start();
    try {
      const kv = await backend.create("/registry/a", "{}");
      assert.equal((await backend.get("/registry/a")).kv?.modRevision, kv.modRevision);
      assert.ok(existsSync(join(dir, "sub", "state.db")));
    } finally {
      await backend.close();
    }
  });

  test("rejects an unknown scheme before opening anything", async () => {
    await assert.rejects(openBackend("redis://127.0.0.1:6379", { dataDir: dir }), {
      code: "InvalidArgument",
    });
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { isStorageError } from "../errors.ts";
import { etcdEndpointsFromUrl, normalizeEndpoint } from "./etcd-client.ts";

test("etcdEndpointsFromUrl splits a datastore URL into endpoint URLs", () => {
  const cases: Array<[string, string[]]> = [
    ["etcd://127.0.0.1:2379", ["http://127.0.0.1:2379"]],
    ["etcd://a:2379,b:2379/", ["http://a:2379", "http://b:2379"]],
    ["https://a:2379, b:2379", ["https://a:2379", "https://b:2379"]],
    ["http://a:2379", ["http://a:2379"]],
  ];
  for (const [url, want] of cases) assert.deepEqual(etcdEndpointsFromUrl(url), want, url);
});

test("etcdEndpointsFromUrl rejects other schemes and endpoints without a port", () => {
  for (const url of ["sqlite:///tmp/x.db", "etcd://", "etcd://a", "etcd://a:2379/path"]) {
    assert.throws(
      () => etcdEndpointsFromUrl(url),
      (err) => isStorageError(err, "InvalidArgument"),
      url,
    );
  }
});

test("normalizeEndpoint adds the scheme TLS implies", () => {
  const cases: Array<[string, boolean, string]> = [
    ["127.0.0.1:2379", false, "http://127.0.0.1:2379"],
    ["127.0.0.1:2379", true, "https://127.0.0.1:2379"],
    ["etcd://h:1", true, "https://h:1"],
    ["https://h:1/", false, "https://h:1"],
  ];
  for (const [endpoint, tls, want] of cases) assert.equal(normalizeEndpoint(endpoint, tls), want);
  assert.throws(
    () => normalizeEndpoint("unix://sock", false),
    (err) => isStorageError(err, "InvalidArgument"),
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { isStorageError } from "../errors.ts";
import { normalizeEndpoint } from "./etcd-client.ts";

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

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { RestClient } from "./rest-client.ts";

test("watch events survive multi-byte characters split across chunks", async () => {
  const event = JSON.stringify({
    type: "ADDED",
    object: { kind: "ConfigMap", metadata: { name: "x" }, data: { v: "€uro ✓ 日本" } },
  });
  const bytes = Buffer.from(event + "\n", "utf8");
  const euro = bytes.indexOf(Buffer.from("€", "utf8"));
  const server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    // Split inside the three-byte "€", flushing each half separately.
    res.write(bytes.subarray(0, euro + 1));
    setTimeout(() => res.end(bytes.subarray(euro + 1)), 20);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const client = new RestClient({ server: `http://127.0.0.1:${port}`, qps: 100, burst: 100 });
  try {
    const seen: unknown[] = [];
    for await (const ev of client.watch(
      { group: "", version: "v1", resource: "configmaps", namespaced: true },
      "default",
      {},
    ))
      seen.push(ev);
    assert.equal(seen.length, 1);
    assert.deepEqual((seen[0] as { object: { data: { v: string } } }).object.data.v, "€uro ✓ 日本");
  } finally {
    client.close();
    server.close();
  }
});

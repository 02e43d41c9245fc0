import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { FakeClock } from "./clock.ts";
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

/** An HTTP server answering each request with answers[i] (the last one repeated); counts requests. */
async function scriptedServer(answers: { code: number; headers?: Record<string, string> }[]) {
  let seen = 0;
  const server = createServer((req, res) => {
    const a = answers[Math.min(seen++, answers.length - 1)]!;
    req.resume();
    res.writeHead(a.code, { "Content-Type": "application/json", ...a.headers });
    res.end(JSON.stringify({ kind: a.code === 200 ? "ConfigMap" : "Status", code: a.code }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests: () => seen, close: () => server.close() };
}

const configMaps = { group: "", version: "v1", resource: "configmaps", namespaced: true };

test("429 with Retry-After is sent again (any verb), at most 10 times in all", async (t) => {
  const busy = { code: 429, headers: { "Retry-After": "0" } };
  const cases = [
    {
      name: "POST succeeds on the third try",
      answers: [busy, busy, { code: 200 }],
      ok: true,
      n: 3,
    },
    { name: "GET gives up after 10 tries", answers: [busy], ok: false, n: 10 },
    { name: "429 without Retry-After is not retried", answers: [{ code: 429 }], ok: false, n: 1 },
    { name: "500 is not retried", answers: [{ code: 500 }], ok: false, n: 1 },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const srv = await scriptedServer(c.answers);
      const client = new RestClient({ server: srv.url, qps: -1 });
      try {
        const call = c.name.startsWith("POST")
          ? client.create(configMaps, "default", { metadata: { name: "x" } })
          : client.get(configMaps, "default", "x");
        if (c.ok) assert.equal(((await call) as { kind: string }).kind, "ConfigMap");
        else await assert.rejects(call, (e: { code?: number }) => e.code !== 200);
        assert.equal(srv.requests(), c.n);
      } finally {
        client.close();
        srv.close();
      }
    });
  }
});

test("qps < 0 means no client-side limit; qps >= 0 keeps the token bucket", async (t) => {
  for (const c of [
    { qps: -1, burst: 0, done: 50 },
    { qps: 1, burst: 5, done: 5 },
  ]) {
    await t.test(`qps ${c.qps} burst ${c.burst}`, async () => {
      const srv = await scriptedServer([{ code: 200 }]);
      // A clock that never moves: requests beyond the burst wait forever.
      const clock = new FakeClock();
      const client = new RestClient({ server: srv.url, qps: c.qps, burst: c.burst }, { clock });
      try {
        let done = 0;
        const calls = Array.from({ length: 50 }, () =>
          client.get(configMaps, "default", "x").then(() => done++),
        );
        await eventually(() => done === c.done && srv.requests() === c.done);
        if (c.done < 50) {
          clock.advance(60_000);
          await Promise.all(calls);
        }
        assert.equal(srv.requests(), 50);
      } finally {
        client.close();
        srv.close();
      }
    });
  }
});

async function eventually(check: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 10));
  }
}

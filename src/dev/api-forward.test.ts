import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseForwardEnd, startForward } from "./api-forward.ts";

test("parseForwardEnd: address or socket path; junk refused", () => {
  assert.deepEqual(parseForwardEnd("127.0.0.1:6443"), { host: "127.0.0.1", port: 6443 });
  assert.deepEqual(parseForwardEnd("/run/x/api.sock"), { path: "/run/x/api.sock" });
  for (const bad of ["localhost:1", "127.0.0.1", "127.0.0.1:70000", "api.sock"])
    assert.throws(() => parseForwardEnd(bad), /Cannot parse/);
});

test("TCP -> unix socket -> TCP: bytes pass both ways, closes propagate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-forward-"));
  const echoed = new Set<import("node:net").Socket>();
  const echo = createServer((s) => {
    echoed.add(s);
    s.on("data", (d) => s.write(`echo:${d}`));
  });
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const sock = join(dir, "api.sock");
  const inner = await startForward({
    listen: { path: sock },
    connect: { host: "127.0.0.1", port: (echo.address() as AddressInfo).port },
  });
  const outer = await startForward({
    listen: { host: "127.0.0.1", port: 0 },
    connect: { path: sock },
  });
  try {
    const c = createConnection((outer.address() as AddressInfo).port, "127.0.0.1");
    const got = await new Promise<string>((resolve, reject) => {
      c.once("data", (d) => resolve(d.toString()));
      c.once("error", reject);
      c.write("hello");
    });
    assert.equal(got, "echo:hello");
    const closed = new Promise((r) => c.once("close", r));
    for (const s of echoed) s.destroy();
    await closed;
  } finally {
    for (const s of [outer, inner, echo]) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

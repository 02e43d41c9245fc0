/**
 * `k8ts server` stops on SIGTERM whenever the signal arrives: right after
 * /readyz first answers (while the controller manager, scheduler and DNS
 * add-on are still starting — a signal there used to close the API server
 * and leave the rest running forever) and early in start-up.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServer, type ServerProcess } from "./harness.ts";

function readyz(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = https.get(
      { host: "127.0.0.1", port, path: "/readyz", rejectUnauthorized: false },
      (res) => {
        res.resume();
        done(res.statusCode === 200 || res.statusCode === 401);
      },
    );
    req.on("error", () => done(false));
  });
}

/** Starts a server, sends SIGTERM when `when` resolves, returns its exit code (or "hung"). */
async function signalDuringStart(when: (server: ServerProcess) => Promise<void>) {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-signals-"));
  const server = spawnServer({ dataDir });
  const { child, output, exited } = server;
  try {
    await when(server);
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<"hung">((r) => setTimeout(() => r("hung"), 90_000).unref()),
    ]);
    return { code, output: output() };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

test("SIGTERM right after /readyz first answers stops the whole server", async () => {
  const { code, output } = await signalDuringStart(async (server) => {
    const deadline = Date.now() + 120_000;
    const port = await server.port(120_000);
    while (!(await readyz(port))) {
      if (Date.now() > deadline) throw new Error("server never became ready");
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  assert.equal(code, 0, output.slice(-3000));
  // Every step of the stop ran to its end (its step times are logged last).
  assert.match(output, /control plane stopped.*storageMs/, output.slice(-3000));
  assert.match(output, /server stopped.*componentsMs.*controlPlaneMs/, output.slice(-3000));
});

test("SIGTERM early in start-up stops the server", async () => {
  const { code, output } = await signalDuringStart(() => new Promise((r) => setTimeout(r, 300)));
  assert.notEqual(code, "hung", output.slice(-3000));
});

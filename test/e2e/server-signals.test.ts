/**
 * `k8ts server` stops on SIGTERM whenever the signal arrives: right after
 * /readyz first answers (while the controller manager, scheduler and DNS
 * add-on are still starting — a signal there used to close the API server
 * and leave the rest running forever) and early in start-up.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./harness.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

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
async function signalDuringStart(when: (port: number) => Promise<void>) {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-signals-"));
  const port = await freePort();
  let output = "";
  const child = spawn(
    process.execPath,
    [
      join(root, "bin", "k8ts"),
      "server",
      "--disable-agent",
      "--data-dir",
      dataDir,
      "--bind-address",
      "127.0.0.1",
      "--secure-port",
      String(port),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
  );
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    await when(port);
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<"hung">((r) => setTimeout(() => r("hung"), 90_000).unref()),
    ]);
    return { code, output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

test("SIGTERM right after /readyz first answers stops the whole server", async () => {
  const { code, output } = await signalDuringStart(async (port) => {
    const deadline = Date.now() + 120_000;
    while (!(await readyz(port))) {
      if (Date.now() > deadline) throw new Error("server never became ready");
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  assert.equal(code, 0, output.slice(-3000));
});

test("SIGTERM early in start-up stops the server", async () => {
  const { code, output } = await signalDuringStart(() => new Promise((r) => setTimeout(r, 300)));
  assert.notEqual(code, "hung", output.slice(-3000));
});

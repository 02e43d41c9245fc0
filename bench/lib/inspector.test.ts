import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InspectorSession, inspectorUrl } from "./inspector.ts";
import type { CpuProfile } from "./cpu-profile.ts";

/**
 * A child that, on SIGTERM, spends 200 ms of CPU in stopWork and calls
 * process.exit(0). It says "handler ready" once the handler is installed: the
 * inspector's URL is printed before the script runs, so a SIGTERM sent on the
 * URL alone could find no handler yet (the default action kills).
 */
const child = `
function stopWork() { const end = Date.now() + 200; let x = 0; while (Date.now() < end) x++; return x; }
process.on("SIGTERM", () => { stopWork(); process.exit(0); });
process.stderr.write("handler ready\\n");
setInterval(() => {}, 1000);
`;

test("a child with a released inspector session exits on SIGTERM; its stop profile runs to the exit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-inspector-test-"));
  const c = spawn(process.execPath, ["--inspect=127.0.0.1:0", "-e", child], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // Only a bound against a hang: the assertions below are about how it exited.
  const guard = setTimeout(() => c.kill("SIGKILL"), 60_000);
  const exit = new Promise<[number | null, string | null]>((r) =>
    c.once("exit", (code, signal) => r([code, signal])),
  );
  let session: InspectorSession | undefined;
  try {
    let err = "";
    c.stderr!.on("data", (d) => (err += d));
    while (!inspectorUrl(err)) await new Promise((r) => setTimeout(r, 20));
    session = await InspectorSession.connect(inspectorUrl(err)!);
    await session.releaseAtExit();
    await session.startProfile();
    const order: string[] = [];
    const file = join(dir, "stop.cpuprofile");
    session.beforeExitClose = async () => {
      order.push("at exit");
      await session!.stopProfile(file);
      order.push("profile written");
    };
    const running = () => c.exitCode === null && c.signalCode === null;
    while (!err.includes("handler ready") && running()) await new Promise((r) => setTimeout(r, 20));
    c.kill("SIGTERM");
    const [code, signal] = await exit;
    order.push("exited");
    assert.deepEqual([code, signal], [0, null], "exited by itself, not killed");
    assert.deepEqual(order, ["at exit", "profile written", "exited"]);
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    assert.ok(
      profile.nodes.some((n) => n.callFrame.functionName === "stopWork"),
      "the profile covers the stop handler",
    );
  } finally {
    clearTimeout(guard);
    session?.close();
    c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

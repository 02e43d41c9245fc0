import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { SqliteBackend } from "./drivers/sqlite.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
const childScript = join(here, "testing", "crash-writer.ts");
const dir = mkdtempSync(join(tmpdir(), "k8ts-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  key: string;
  revision: number;
  value: string;
}

/**
 * Runs the writer child until it has acknowledged `acks` writes, then
 * SIGKILLs it mid-stream. Returns every acknowledgement it printed.
 */
async function runAndKill(path: string, tag: string, acks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ["--import", "tsx", childScript, path, "64", tag], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  const seen: Ack[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [kind, key, rev, value] = line.split(" ");
      if (kind !== "ack") continue;
      seen.push({ key, revision: Number(rev), value });
      if (seen.length === acks) child.kill("SIGKILL");
    }
  } finally {
    child.kill("SIGKILL");
  }
  const how = await exited;
  assert.equal(how, "SIGKILL", `writer exited on its own (${how}): ${stderr}`);
  assert.ok(seen.length >= acks, `only ${seen.length} acks before exit: ${stderr}`);
  return seen;
}

test("every acknowledged write survives SIGKILL and revisions continue", async () => {
  const path = join(dir, "state.db");
  const all: Ack[] = [];
  for (const tag of ["round1", "round2"]) {
    all.push(...(await runAndKill(path, tag, 1500)));
    const backend = new SqliteBackend({ path });
    await backend.start();
    try {
      const newest = new Map<string, Ack>();
      for (const ack of all) {
        const prev = newest.get(ack.key);
        if (!prev || ack.revision > prev.revision) newest.set(ack.key, ack);
      }
      for (const ack of newest.values()) {
        const { kv } = await backend.get(ack.key);
        assert.ok(kv, `acknowledged key ${ack.key} is missing`);
        if (ack.key.includes("/counter/")) {
          // A later update may have committed without its ack reaching us.
          assert.ok(kv.modRevision >= ack.revision, `${ack.key} went back in time`);
          assert.ok(Number(kv.value) >= Number(ack.value));
        } else {
          assert.equal(kv.modRevision, ack.revision, ack.key);
          assert.equal(kv.value, ack.value, ack.key);
        }
      }
      const maxAcked = Math.max(...all.map((a) => a.revision));
      assert.equal(new Set(all.map((a) => a.revision)).size, all.length, "no revision reused");
      assert.ok((await backend.currentRevision()) >= maxAcked);
      const next = await backend.create(`/crash/after-${tag}`, "x");
      assert.ok(next.modRevision > maxAcked, `revision ${next.modRevision} <= ${maxAcked}`);
    } finally {
      await backend.close();
    }
  }
});

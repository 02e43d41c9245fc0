import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "./config.ts";

test("loadConfigFile reads profiles, weights and args from YAML", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-sched-config-"));
  try {
    const file = join(dir, "config.yaml");
    await writeFile(
      file,
      [
        "apiVersion: kubescheduler.config.k8s.io/v1",
        "kind: KubeSchedulerConfiguration",
        "percentageOfNodesToScore: 30",
        "profiles:",
        "- schedulerName: default-scheduler",
        "- schedulerName: bin-packer",
        "  plugins:",
        "    score:",
        "      enabled:",
        "      - name: NodeResourcesFit",
        "        weight: 5",
        "  pluginConfig:",
        "  - name: NodeResourcesFit",
        "    args:",
        "      scoringStrategy:",
        "        type: MostAllocated",
      ].join("\n"),
    );
    const cfg = loadConfigFile(file);
    assert.equal(cfg.percentageOfNodesToScore, 30);
    assert.deepEqual(
      cfg.profiles.map((p) => p.schedulerName),
      ["default-scheduler", "bin-packer"],
    );
    assert.equal(cfg.profiles[1]!.plugins?.score?.enabled?.[0]?.weight, 5);
    assert.equal(cfg.podInitialBackoffSeconds, 1);
    await writeFile(
      file,
      "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n",
    );
    assert.throws(
      () => loadConfigFile(file),
      /apiVersion kubescheduler.config.k8s.io\/v1beta3 is not supported/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

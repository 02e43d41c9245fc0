/** What the kubectl parity tests share: a cluster with their namespace, and reading kubectl's tables. */
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "./harness.ts";

/** A cluster with namespace ns created. */
export async function startClusterWithNamespace(ns: string): Promise<TestCluster> {
  const cluster = await startCluster();
  try {
    await cluster.kubectlOk(["create", "namespace", ns]);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** The column names of a kubectl table (its first line). */
export function header(out: string): string[] {
  return out
    .split("\n")[0]!
    .trim()
    .split(/\s{2,}/);
}

/** The cells of the row whose first cell is `name`; fails the test when there is none. */
export function row(out: string, name: string): string[] {
  const line = out.split("\n").find((l) => l.split(/\s{2,}/)[0] === name);
  assert.ok(line, `no row ${name} in:\n${out}`);
  return line.trim().split(/\s{2,}/);
}

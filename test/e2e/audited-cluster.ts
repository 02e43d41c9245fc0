/**
 * A `k8ts server` that writes an audit log, for the audit and identity e2e
 * tests: the policy is written to a temp dir, the cluster starts in `before`
 * and stops (and the dir is removed) in `after`.
 */
import { after, before } from "node:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

export interface AuditedCluster {
  /** The running cluster (set once `before` ran). */
  readonly cluster: TestCluster;
  /** The temp dir holding policy.yaml and audit.log. */
  readonly dir: string;
  /** The audit log's events as parsed JSON lines (empty when not written yet). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  read(): Promise<any[]>;
  /**
   * The events once `ready` accepts them: events are appended after the
   * response is finished, which may be just after the client saw it.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  eventsWhen(ready: (events: any[]) => boolean): Promise<any[]>;
}

/** Registers the hooks of a cluster audited under `policy`, started with `args` added. */
export function useAuditedCluster(policy: string, args: string[] = []): AuditedCluster {
  let cluster: TestCluster | undefined;
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-audit-"));
    await writeFile(join(dir, "policy.yaml"), policy);
    cluster = await startCluster({
      args: [
        "--audit-policy-file",
        join(dir, "policy.yaml"),
        "--audit-log-path",
        join(dir, "audit.log"),
        ...args,
      ],
    });
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error("the audited cluster is used before it started");
    return v;
  };
  const read = async () => {
    const text = await readFile(join(started(dir), "audit.log"), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  };
  return {
    get cluster() {
      return started(cluster);
    },
    get dir() {
      return started(dir);
    },
    read,
    eventsWhen: (ready) =>
      eventually("the expected audit events", async () => {
        const events = await read();
        return ready(events) ? events : undefined;
      }),
  };
}

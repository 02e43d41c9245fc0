/**
 * The TTL-after-finished controller against a real in-process API server
 * with a fake clock: a finished Job is deleted (foreground) once
 * ttlSecondsAfterFinished has passed since it finished, not before; Jobs
 * without a TTL or not finished are left alone.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { jobsRef } from "../../client/resources.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";
import { TTLAfterFinishedController } from "./ttl-after-finished.ts";

type Obj = KObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const ns = "default";
let env: ControllerTestEnv;
let controller: TTLAfterFinishedController;

before(async () => {
  env = await controllerTestEnv();
  controller = new TTLAfterFinishedController({
    client: env.client,
    informers: env.informers,
    clock: env.api.clock,
  });
  await env.start();
});

after(() => env.close());

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A Job, finished (Complete) at the clock's now when `finished`. */
async function job(name: string, ttl: number | undefined, finished: boolean): Promise<void> {
  await env.client.create(jobsRef, ns, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }),
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
      },
    },
  } as KObject);
  if (finished) {
    const current = await env.client.get<Obj>(jobsRef, ns, name);
    const at = stamp(env.api.clock.now());
    await env.client.update(
      jobsRef,
      {
        ...current,
        status: {
          startTime: at,
          completionTime: at,
          succeeded: 1,
          conditions: [
            { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: at },
            { type: "Complete", status: "True", lastTransitionTime: at },
          ],
        },
      } as KObject,
      { subresource: "status" },
    );
  }
  await until("job cached as written", () => {
    const cached = env.informers.informerFor<Obj>(jobsRef).indexer.get(`${ns}/${name}`);
    return cached && (!finished || cached.status?.conditions !== undefined) ? cached : undefined;
  });
}

const deleting = async (name: string) =>
  (await env.client.get<Obj>(jobsRef, ns, name).catch(() => undefined))?.metadata
    ?.deletionTimestamp !== undefined;

test("a finished Job is deleted ttlSecondsAfterFinished after it finished, not before; others stay", async () => {
  await job("ttl-done", 60, true);
  await job("no-ttl-done", undefined, true);
  await job("ttl-running", 60, false);

  await controller.sync(`${ns}/ttl-done`);
  assert.equal(await deleting("ttl-done"), false, "kept before its TTL");

  env.api.clock.advance(61_000);
  for (const name of ["ttl-done", "no-ttl-done", "ttl-running"])
    await controller.sync(`${ns}/${name}`);
  // Foreground deletion: the Job waits for its dependents (no garbage collector runs here).
  const deleted = await env.client.get<Obj>(jobsRef, ns, "ttl-done").catch(() => undefined);
  assert.ok(
    deleted === undefined || deleted.metadata?.finalizers?.includes("foregroundDeletion"),
    "deleted in the foreground",
  );
  assert.ok(deleted === undefined || (await deleting("ttl-done")), "deleted after its TTL");
  assert.equal(await deleting("no-ttl-done"), false, "a Job without a TTL stays");
  assert.equal(await deleting("ttl-running"), false, "an unfinished Job stays");
});

/**
 * Orphaned Job pods against a real in-process API server: when a Job is
 * deleted while its pods still carry the job-tracking finalizer, the
 * controller queues those pods and removes the finalizer (upstream's
 * cleanupPodFinalizers / syncOrphanPod); pods of a live Job keep it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { jobsRef, podsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { JobController, trackingFinalizer } from "./job.ts";
import { orphanPodKey } from "./job-orphans.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

type Obj = KObject & { spec?: Record<string, unknown> };
const ns = "default";
let env: ControllerTestEnv;
let client: RestClient;
let informers: InformerFactory;
let controller: JobController;

before(async () => {
  env = await controllerTestEnv();
  ({ client, informers } = env);
  const recorder = new EventRecorder(
    client,
    { component: "job-controller" },
    { clock: env.api.clock },
  );
  controller = new JobController({ client, informers, clock: env.api.clock, recorder });
  await env.start();
});

after(() => env.close());

const pods = () => informers.informerFor<Obj>(podsRef);
const podsOf = (job: string) =>
  pods()
    .indexer.byIndex("namespace", ns)
    .filter((p) => p.metadata?.labels?.["job-name"] === job);

async function jobWithPods(name: string, parallelism: number): Promise<Obj[]> {
  await client.create(jobsRef, ns, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      parallelism,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
      },
    },
  } as KObject);
  await until("job cached", () => informers.informerFor<Obj>(jobsRef).indexer.get(`${ns}/${name}`));
  await controller.sync(`${ns}/${name}`);
  return until("pods cached", () => podsOf(name).length === parallelism && podsOf(name));
}

test("a deleted Job's pods lose the job-tracking finalizer; a live Job's pods keep it", async () => {
  const kept = await jobWithPods("live-job", 1);
  const orphaned = await jobWithPods("gone-job", 2);
  for (const p of [...kept, ...orphaned])
    assert.ok(p.metadata?.finalizers?.includes(trackingFinalizer), "pods start with it");
  // Deleted without a garbage collector running: the pods stay, owned by a gone Job.
  await client.delete(jobsRef, ns, "gone-job", { propagationPolicy: "Background" });
  await until(
    "job gone from the cache",
    () => !informers.informerFor<Obj>(jobsRef).indexer.get(`${ns}/gone-job`),
  );
  // The Job's delete event queued its pods.
  const queued = new Set<string>();
  while (controller.queue.len() > 0) {
    const key = await controller.queue.get();
    if (key === undefined) break;
    queued.add(key);
    await controller.sync(key);
    controller.queue.done(key);
  }
  for (const p of orphaned) assert.ok(queued.has(orphanPodKey(p)), `${orphanPodKey(p)} queued`);
  for (const p of orphaned) {
    const now = await client.get<Obj>(podsRef, ns, p.metadata!.name!);
    assert.ok(!now.metadata?.finalizers?.includes(trackingFinalizer), "finalizer removed");
  }
  // A live Job's pod, even if asked about, keeps its finalizer.
  await controller.sync(orphanPodKey(kept[0]!));
  const live = await client.get<Obj>(podsRef, ns, kept[0]!.metadata!.name!);
  assert.ok(live.metadata?.finalizers?.includes(trackingFinalizer), "a live Job's pod keeps it");
});

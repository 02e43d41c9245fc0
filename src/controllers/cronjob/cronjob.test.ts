/**
 * The CronJob controller against a real in-process API server sharing one
 * fake clock (creation timestamps and the controller's "now" agree): each
 * test advances the clock, runs one sync and checks the Jobs and status.
 * No Job controller runs; tests finish Jobs by writing their status.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder, eventsRef } from "../../client/event-recorder.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { cronJobsRef, jobsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { TestServer } from "../../apiserver/testing/test-server.ts";
import { CronJobController } from "./cronjob.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const ns = "default";
let env: ControllerTestEnv;
let api: TestServer;
let client: RestClient;
let informers: InformerFactory;
let recorder: EventRecorder;
let controller: CronJobController;

before(async () => {
  env = await controllerTestEnv();
  ({ api, client, informers } = env);
  recorder = new EventRecorder(client, { component: "cronjob-controller" }, { clock: api.clock });
  controller = new CronJobController({ client, informers, clock: api.clock, recorder });
  await env.start();
});

after(() => env.close());

const cronInformer = () => informers.informerFor<Obj>(cronJobsRef);
const jobInformer = () => informers.informerFor<Obj>(jobsRef);
const jobsOf = (name: string) =>
  jobInformer()
    .indexer.byIndex("namespace", ns)
    .filter((j) => j.metadata?.ownerReferences?.[0]?.name === name && !j.metadata.deletionTimestamp)
    .map((j) => j.metadata!.name!)
    .sort();
const minute = 60_000;

/** Creates CronJob name (schedule every minute unless given) and waits for the cache. */
async function create(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create(cronJobsRef, ns, {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name },
    spec: {
      schedule: "*/1 * * * *",
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
          },
        },
      },
      ...spec,
    },
  } as KObject);
  await until("cronjob cached", () => cronInformer().indexer.get(`${ns}/${name}`));
}

/** Advances the shared clock, syncs name, and waits until the cache shows n jobs. */
async function tick(name: string, ms: number, jobs: number): Promise<string[]> {
  api.clock.advance(ms);
  const rv = cronInformer().indexer.get(`${ns}/${name}`)?.metadata?.resourceVersion;
  await controller.sync(`${ns}/${name}`);
  await until(`${jobs} jobs of ${name}`, () => jobsOf(name).length === jobs);
  // Let the status write (if any) reach the cache before the next tick reads it.
  const live = await client.get<Obj>(cronJobsRef, ns, name);
  if (live.metadata?.resourceVersion !== rv)
    await until("status cached", () =>
      cronInformer().indexer.get(`${ns}/${name}`)?.metadata?.resourceVersion ===
      live.metadata?.resourceVersion
        ? true
        : undefined,
    );
  return jobsOf(name);
}

/** Marks job finished (Complete or Failed) at the clock's now. */
async function finish(job: string, type: "Complete" | "Failed"): Promise<void> {
  const j = await client.get<Obj>(jobsRef, ns, job);
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await client.update(
    jobsRef,
    {
      ...j,
      status: {
        startTime: j.metadata?.creationTimestamp,
        ...(type === "Complete" ? { completionTime: at, succeeded: 1 } : { failed: 1 }),
        conditions: [
          ...(type === "Complete"
            ? [{ type: "SuccessCriteriaMet", status: "True", lastTransitionTime: at }]
            : [{ type: "FailureTarget", status: "True", lastTransitionTime: at }]),
          { type, status: "True", lastTransitionTime: at },
        ],
      },
    } as KObject,
    { subresource: "status" },
  );
  await until("job finished in cache", () =>
    jobInformer()
      .indexer.get(`${ns}/${job}`)
      ?.status?.conditions?.some((c: { type: string }) => c.type === type),
  );
}

const status = (name: string) => cronInformer().indexer.get(`${ns}/${name}`)?.status ?? {};
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const nextMinute = () => Math.ceil((api.clock.now() + 1) / minute) * minute - api.clock.now();

async function events(reason: string, name: string): Promise<string[]> {
  await recorder.flush();
  const list = await client.list<Obj>(eventsRef, ns);
  return list.items
    .filter((e) => e.reason === reason && (e as any).involvedObject?.name === name) // eslint-disable-line @typescript-eslint/no-explicit-any
    .map((e) => (e as any).message); // eslint-disable-line @typescript-eslint/no-explicit-any
}

test("*/1 with Allow fires once a minute, names jobs by minute, tracks active and lastScheduleTime", async () => {
  await create("allow", {});
  assert.deepEqual(await tick("allow", 0, 0), []);
  const first = api.clock.now() + nextMinute();
  const jobs1 = await tick("allow", nextMinute(), 1);
  assert.deepEqual(jobs1, [`allow-${first / minute}`]);
  const job = jobInformer().indexer.get(`${ns}/${jobs1[0]}`)!;
  assert.equal(job.metadata?.labels?.cron, "allow");
  assert.equal(
    job.metadata?.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"],
    at(first),
  );
  assert.equal(job.metadata?.ownerReferences?.[0]?.controller, true);
  assert.equal(status("allow").lastScheduleTime, at(first));
  // A second sync within the same minute creates nothing.
  assert.equal((await tick("allow", 20_000, 1)).length, 1);
  const jobs2 = await tick("allow", minute, 2);
  assert.equal(jobs2.length, 2);
  assert.equal(status("allow").active?.length, 2);
  await finish(jobs2[0]!, "Complete");
  await tick("allow", 1_000, 2);
  assert.equal(status("allow").active?.length, 1);
  assert.equal(status("allow").lastSuccessfulTime, at(api.clock.now() - 1_000));
});

test("Forbid skips a run while one is active; Replace deletes the active one", async () => {
  await create("forbid", { concurrencyPolicy: "Forbid" });
  await create("replace", { concurrencyPolicy: "Replace" });
  const f1 = await tick("forbid", nextMinute(), 1);
  const r1 = await tick("replace", 0, 1);
  await tick("forbid", minute, 1);
  assert.deepEqual(jobsOf("forbid"), f1);
  assert.ok((await events("JobAlreadyActive", "forbid")).length >= 1);
  await finish(f1[0]!, "Complete");
  const f2 = await tick("forbid", minute, 2);
  assert.equal(f2.length, 2);
  const r2 = await tick("replace", 0, 1);
  assert.notDeepEqual(r2, r1);
  assert.deepEqual(
    (await events("SuccessfulDelete", "replace")).map((m) => m.replace(/\d+/, "N")),
    ["Deleted job replace-N"],
  );
});

test("suspend stops scheduling; history limits keep the newest finished jobs", async () => {
  await create("limits", { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
  await create("paused", { suspend: true });
  await tick("paused", nextMinute(), 0);
  await tick("paused", 5 * minute, 0);
  assert.equal(status("paused").lastScheduleTime, undefined);
  // Trimming sees the finished jobs of before the sync: 1, 2, 3, then 3 (one Complete trimmed).
  for (const [i, count] of [1, 2, 3, 3].entries()) {
    const jobs = await tick("limits", nextMinute(), count);
    await finish(jobs[jobs.length - 1]!, i % 2 === 0 ? "Complete" : "Failed");
  }
  await tick("limits", 1_000, 2);
  const kept = jobsOf("limits").map(
    (n) => jobInformer().indexer.get(`${ns}/${n}`)!.status.conditions.at(-1).type,
  );
  assert.deepEqual(kept.sort(), ["Complete", "Failed"]);
});

test("timeZone schedules in the zone's wall-clock time", async () => {
  // 09:00 in Tokyo is 00:00 UTC.
  await create("tokyo", { schedule: "0 9 * * *", timeZone: "Asia/Tokyo" });
  const toMidnight = 86_400_000 - (api.clock.now() % 86_400_000);
  await tick("tokyo", toMidnight - 1_000, 0);
  await tick("tokyo", 1_000, 1);
  assert.equal(status("tokyo").lastScheduleTime, at(api.clock.now()));
  assert.equal(new Date(api.clock.now()).getUTCHours(), 0);
});

test("startingDeadlineSeconds skips a start missed by more than the deadline", async () => {
  await create("deadline", { startingDeadlineSeconds: 10 });
  await tick("deadline", nextMinute() + 30_000, 0);
  assert.equal(status("deadline").lastScheduleTime, undefined);
  await tick("deadline", nextMinute() + 5_000, 1);
});

test("after more than 100 missed times only the latest starts, with a warning", async () => {
  await create("missed", {});
  await tick("missed", 200 * minute + nextMinute(), 1);
  const latest = Math.floor(api.clock.now() / minute) * minute;
  assert.equal(status("missed").lastScheduleTime, at(latest));
  assert.equal((await events("TooManyMissedTimes", "missed")).length, 1);
});

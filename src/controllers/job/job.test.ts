/**
 * The Job controller against a real in-process API server with a fake
 * clock: podFailurePolicy (FailJob, Ignore, Count against backoffLimit) and
 * successPolicy of an Indexed Job. Tests play the kubelet by writing pod
 * status, then run one sync at a time.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { jobsRef, podsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { TestServer } from "../../apiserver/testing/test-server.ts";
import { JobController } from "./job.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const ns = "default";
let env: ControllerTestEnv;
let api: TestServer;
let client: RestClient;
let informers: InformerFactory;
let controller: JobController;

before(async () => {
  env = await controllerTestEnv();
  ({ api, client, informers } = env);
  const recorder = new EventRecorder(client, { component: "job-controller" }, { clock: api.clock });
  controller = new JobController({ client, informers, clock: api.clock, recorder });
  await env.start();
});

after(() => env.close());

const jobs = () => informers.informerFor<Obj>(jobsRef);
const pods = () => informers.informerFor<Obj>(podsRef);
const podsOf = (job: string) =>
  pods()
    .indexer.byIndex("namespace", ns)
    .filter((p) => p.metadata?.labels?.["job-name"] === job);
const live = (job: string) =>
  podsOf(job).filter((p) => !p.status?.phase?.match(/Succeeded|Failed/));

async function createJob(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create(jobsRef, ns, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
      },
      ...spec,
    },
  } as KObject);
  await until("job cached", () => jobs().indexer.get(`${ns}/${name}`));
}

/** One sync, then waits until the cache reflects the job as written. */
async function sync(name: string): Promise<Obj> {
  await controller.sync(`${ns}/${name}`);
  const written = await client.get<Obj>(jobsRef, ns, name);
  await until("job cache fresh", () =>
    jobs().indexer.get(`${ns}/${name}`)?.metadata?.resourceVersion ===
    written.metadata?.resourceVersion
      ? true
      : undefined,
  );
  return written;
}

/** Plays the kubelet: pod ends (exit code of container main, pod conditions). */
async function end(pod: Obj, exitCode: number, conditions: [string, string][] = []) {
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await client.update(
    podsRef,
    {
      ...pod,
      status: {
        phase: exitCode === 0 ? "Succeeded" : "Failed",
        conditions: conditions.map(([type, status]) => ({ type, status, lastTransitionTime: at })),
        containerStatuses: [
          {
            name: "main",
            image: "busybox",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode, startedAt: at, finishedAt: at } },
          },
        ],
      },
    } as KObject,
    { subresource: "status" },
  );
  await until("pod ended in cache", () =>
    pods().indexer.get(`${ns}/${pod.metadata?.name}`)?.status?.containerStatuses ? true : undefined,
  );
}

const cond = (job: Obj, type: string) =>
  (job.status?.conditions ?? []).find((c: { type: string }) => c.type === type);

const policy = {
  rules: [
    { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
    { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
    { action: "Count", onExitCodes: { operator: "NotIn", values: [0] } },
  ],
};

test("a FailJob rule fails the Job at once with reason PodFailurePolicy", async () => {
  await createJob("failjob", { backoffLimit: 6, podFailurePolicy: policy });
  await sync("failjob");
  const [pod] = await until("a pod", () => podsOf("failjob").length === 1 && podsOf("failjob"));
  await end(pod!, 42);
  await sync("failjob");
  const job = await sync("failjob");
  const failed = cond(job, "Failed");
  assert.equal(failed?.status, "True");
  assert.equal(failed?.reason, "PodFailurePolicy");
  assert.equal(
    failed?.message,
    `Container main for pod ${ns}/${pod!.metadata?.name} failed with exit code 42 matching FailJob rule at index 1`,
  );
  assert.equal(cond(job, "FailureTarget")?.reason, "PodFailurePolicy");
});

test("an Ignore rule keeps a disrupted pod out of status.failed and replaces it", async () => {
  await createJob("ignore", { backoffLimit: 0, podFailurePolicy: policy });
  await sync("ignore");
  const [pod] = await until("a pod", () => podsOf("ignore").length === 1 && podsOf("ignore"));
  await end(pod!, 137, [["DisruptionTarget", "True"]]);
  await sync("ignore");
  const job = await sync("ignore");
  assert.equal(job.status?.failed ?? 0, 0);
  assert.equal(cond(job, "Failed"), undefined);
  await until("a replacement pod", () => live("ignore").length === 1);
  const old = await client.get<Obj>(podsRef, ns, pod!.metadata!.name!);
  assert.ok(!old.metadata?.finalizers?.includes("batch.kubernetes.io/job-tracking"));
});

test("a Count rule counts against backoffLimit", async () => {
  await createJob("count", { backoffLimit: 0, podFailurePolicy: policy });
  await sync("count");
  const [pod] = await until("a pod", () => podsOf("count").length === 1 && podsOf("count"));
  await end(pod!, 3);
  await sync("count");
  const job = await sync("count");
  assert.equal(job.status?.failed, 1);
  assert.equal(cond(job, "Failed")?.reason, "BackoffLimitExceeded");
});

test("successPolicy completes an Indexed Job early and removes its other pods", async () => {
  await createJob("leader", {
    completionMode: "Indexed",
    completions: 3,
    parallelism: 3,
    successPolicy: { rules: [{ succeededIndexes: "0" }] },
  });
  await sync("leader");
  const all = await until("3 pods", () => podsOf("leader").length === 3 && podsOf("leader"));
  const leader = all.find(
    (p) => p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"] === "0",
  )!;
  await end(leader, 0);
  await sync("leader");
  const job = await sync("leader");
  assert.equal(job.status?.completedIndexes, "0");
  assert.deepEqual(
    ["SuccessCriteriaMet", "Complete"].map((t) => [cond(job, t)?.reason, cond(job, t)?.message]),
    [
      ["SuccessPolicy", "Matched rules at index 0"],
      ["SuccessPolicy", "Matched rules at index 0"],
    ],
  );
  await until("the other pods deleted", async () => {
    const left = await client.list<Obj>(podsRef, ns, { labelSelector: "job-name=leader" });
    return (
      left.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== "Succeeded")
        .length === 0
    );
  });
});

const indexOf = (p: Obj) => p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"];
const liveAt = (job: string, index: string) => live(job).filter((p) => indexOf(p) === index);

test("backoffLimitPerIndex: an index retries on its own, fails past its limit; the Job fails with FailedIndexes", async () => {
  await createJob("perindex", {
    completionMode: "Indexed",
    completions: 2,
    parallelism: 2,
    backoffLimitPerIndex: 1,
  });
  let job = await sync("perindex");
  assert.equal(job.spec.backoffLimit, 2147483647, "backoffLimit defaults to MaxInt32");
  assert.equal(job.status.failedIndexes, "");
  const first = await until("2 pods", () => live("perindex").length === 2 && live("perindex"));
  const at0 = first.find((p) => indexOf(p) === "0")!;
  assert.equal(at0.metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"], "0");
  await end(at0, 1);
  await sync("perindex");
  job = await sync("perindex");
  assert.equal(job.status.failed, 1);
  assert.equal(job.status.failedIndexes, "", "one failure is within the per-index limit");
  assert.equal(liveAt("perindex", "0").length, 0, "index 0 backs off 10 s");
  api.clock.advance(10_000);
  await sync("perindex");
  const retry = await until("index 0 retried", () => liveAt("perindex", "0")[0]);
  assert.equal(retry.metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"], "1");
  await end(retry, 1);
  await sync("perindex");
  job = await sync("perindex");
  assert.equal(job.status.failedIndexes, "0");
  assert.equal(cond(job, "Failed"), undefined, "index 1 still runs");
  api.clock.advance(3_600_000);
  await sync("perindex");
  assert.equal(liveAt("perindex", "0").length, 0, "a failed index gets no more pods");
  await end(liveAt("perindex", "1")[0]!, 0);
  await sync("perindex");
  job = await sync("perindex");
  assert.equal(job.status.completedIndexes, "1");
  assert.deepEqual(
    ["FailureTarget", "Failed"].map((t) => [cond(job, t)?.reason, cond(job, t)?.message]),
    [
      ["FailedIndexes", "Job has failed indexes"],
      ["FailedIndexes", "Job has failed indexes"],
    ],
  );
});

test("FailIndex fails an index at once; past maxFailedIndexes the Job fails and its pods go", async () => {
  await createJob("maxfailed", {
    completionMode: "Indexed",
    completions: 4,
    parallelism: 4,
    backoffLimitPerIndex: 3,
    maxFailedIndexes: 1,
    podFailurePolicy: {
      rules: [{ action: "FailIndex", onExitCodes: { operator: "In", values: [42] } }],
    },
  });
  await sync("maxfailed");
  await until("4 pods", () => live("maxfailed").length === 4);
  await end(liveAt("maxfailed", "0")[0]!, 42);
  await sync("maxfailed");
  let job = await sync("maxfailed");
  assert.equal(job.status.failedIndexes, "0");
  assert.equal(cond(job, "Failed"), undefined, "1 failed index is allowed");
  await end(liveAt("maxfailed", "2")[0]!, 42);
  await sync("maxfailed");
  job = await sync("maxfailed");
  assert.equal(job.status.failedIndexes, "0,2");
  assert.equal(cond(job, "Failed")?.reason, "MaxFailedIndexesExceeded");
  assert.equal(
    cond(job, "Failed")?.message,
    "Job has exceeded the specified maximal number of failed indexes",
  );
  await until("the running pods deleted", async () => {
    const left = await client.list<Obj>(podsRef, ns, { labelSelector: "job-name=maxfailed" });
    return (
      left.items.filter((p) => !p.metadata?.deletionTimestamp && !p.status?.phase?.match(/Failed/))
        .length === 0
    );
  });
});

test("per-index backoff is read from the failed pods: a restarted controller still waits", async () => {
  await createJob("restarts", {
    completionMode: "Indexed",
    completions: 1,
    parallelism: 1,
    backoffLimitPerIndex: 5,
  });
  await sync("restarts");
  /** A fresh controller (nothing in memory), as after a controller-manager restart. */
  const restart = () => {
    const recorder = new EventRecorder(
      client,
      { component: "job-controller" },
      { clock: api.clock },
    );
    controller = new JobController({ client, informers, clock: api.clock, recorder });
  };
  // Failure n waits 10 s x 2^(n-1) from the failed pod's finish time.
  for (const [failures, waitMs] of [
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
  ] as const) {
    await end(await until(`pod ${failures}`, () => liveAt("restarts", "0")[0]), 1);
    await sync("restarts");
    await sync("restarts");
    restart();
    api.clock.advance(waitMs - 1_000);
    await sync("restarts");
    assert.equal(liveAt("restarts", "0").length, 0, `failure ${failures}: still backing off`);
    api.clock.advance(1_000);
    await sync("restarts");
    const next = await until("replacement", () => liveAt("restarts", "0")[0]);
    assert.equal(
      next.metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"],
      String(failures),
    );
  }
});

/**
 * CronJobs through kubectl against `k8ts server` (its controller manager
 * inside): `kubectl create cronjob`, `kubectl create job --from=cronjob/x`,
 * suspend, timeZone, one real scheduled run of `* * * * *` (at most ~60 s)
 * carried to completion (lastScheduleTime, lastSuccessfulTime, history),
 * and `kubectl get cronjob` columns. No kubelet runs: the test plays its
 * part by writing pod status. Concurrency policies and history limits are
 * covered with an injected clock in src/controllers/cronjob/cronjob.test.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually as poll, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
  // Created first so its first run (within a minute) overlaps the other tests.
  await cluster.kubectlOk([
    "create",
    "cronjob",
    "tick",
    "--image=busybox",
    "--schedule=* * * * *",
    "--",
    "date",
  ]);
});

after(async () => {
  await cluster?.stop();
});

const eventually = <T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
) => poll(what, fn, { timeoutMs, context: () => cluster.logs().slice(-3000) });

async function json(args: string[]): Promise<any> {
  return JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
}

/** Plays the kubelet: the job's pods run and exit 0. */
async function succeedPods(job: string): Promise<number> {
  const pods = (await json(["get", "pods", "-l", `job-name=${job}`])).items;
  for (const p of pods) {
    if (p.status?.phase === "Succeeded") continue;
    const at = new Date().toISOString().replace(/\.\d+Z/, "Z");
    const status = {
      phase: "Succeeded",
      startTime: at,
      conditions: [{ type: "Ready", status: "False", lastTransitionTime: at }],
      containerStatuses: [
        {
          name: p.spec.containers[0].name,
          image: p.spec.containers[0].image,
          imageID: "",
          ready: false,
          restartCount: 0,
          state: {
            terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at },
          },
        },
      ],
    };
    await cluster.request(
      "PATCH",
      `/api/v1/namespaces/default/pods/${p.metadata.name}/status`,
      JSON.stringify({ status }),
      { "Content-Type": "application/merge-patch+json" },
    );
  }
  return pods.length;
}

test("kubectl create job --from=cronjob makes a manual job owned by the CronJob", async () => {
  const out = await cluster.kubectlOk(["create", "job", "--from=cronjob/tick", "tick-manual"]);
  assert.match(out, /^job\.batch\/tick-manual created/);
  const job = await json(["get", "job", "tick-manual"]);
  assert.equal(job.metadata.annotations["cronjob.kubernetes.io/instantiate"], "manual");
  assert.deepEqual(
    job.metadata.ownerReferences.map((r: any) => [r.kind, r.name, r.controller]),
    [["CronJob", "tick", true]],
  );
  assert.deepEqual(job.spec.template.spec.containers[0].command, ["date"]);
  await eventually("the job's pod", async () => (await succeedPods("tick-manual")) === 1);
  await eventually("manual job complete", async () => {
    const j = await json(["get", "job", "tick-manual"]);
    return j.status?.conditions?.some((c: any) => c.type === "Complete" && c.status === "True");
  });
});

test("suspend and timeZone show in kubectl get cronjob and stop runs", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "30 2 * * *"
  timeZone: Asia/Tokyo
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox}]
`,
  });
  const table = await cluster.kubectlOk(["get", "cronjob", "nightly"]);
  assert.match(
    table,
    /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+30 2 \* \* \*\s+Asia\/Tokyo\s+True\s+0\s+<none>\s+\S+/,
  );
  const bad = await cluster.kubectl([
    "patch",
    "cronjob",
    "nightly",
    "-p",
    '{"spec":{"timeZone":"Mars/Olympus"}}',
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /spec\.timeZone: Invalid value: "Mars\/Olympus"/);
  await cluster.kubectlOk(["patch", "cronjob", "nightly", "-p", '{"spec":{"suspend":false}}']);
  const d = await json(["get", "cronjob", "nightly"]);
  assert.equal(d.spec.suspend, false);
  assert.equal(d.status?.lastScheduleTime, undefined);
});

test("a * * * * * CronJob runs within a minute and records its success", async () => {
  const scheduled = await eventually("the first scheduled job", async () => {
    const jobs = (await json(["get", "jobs"])).items.filter(
      (j: any) =>
        j.metadata.ownerReferences?.[0]?.name === "tick" && j.metadata.name !== "tick-manual",
    );
    return jobs.length > 0 && jobs[0];
  });
  assert.match(scheduled.metadata.name, /^tick-\d{8}$/);
  const minutes = Number(scheduled.metadata.name.slice("tick-".length));
  const stamp = scheduled.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"];
  assert.equal(Date.parse(stamp), minutes * 60_000);
  const cj = await eventually("lastScheduleTime", async () => {
    const c = await json(["get", "cronjob", "tick"]);
    return c.status?.lastScheduleTime && c;
  });
  // Under load the earlier tests can outlast a minute: a later run may already be recorded, so
  // lastScheduleTime names the latest job, which one status write also lists as active.
  const last = Date.parse(cj.status.lastScheduleTime);
  assert.ok(last >= minutes * 60_000 && last % 60_000 === 0, cj.status.lastScheduleTime);
  assert.ok(cj.status.active.some((a: any) => a.name === `tick-${last / 60_000}`));
  await eventually(
    "the scheduled job's pod",
    async () => (await succeedPods(scheduled.metadata.name)) === 1,
  );
  const done = await eventually("lastSuccessfulTime", async () => {
    const c = await json(["get", "cronjob", "tick"]);
    return (
      c.status?.lastSuccessfulTime &&
      !c.status.active?.some((a: any) => a.name === scheduled.metadata.name) &&
      c
    );
  });
  assert.ok(Date.parse(done.status.lastSuccessfulTime) >= minutes * 60_000);
  const table = await cluster.kubectlOk(["get", "cronjob", "tick"]);
  assert.match(table, /\ntick\s+\* \* \* \* \*\s+<none>\s+False\s+\d+\s+\d+s\s+/);
  // Suspending stops further runs; the finished job is kept in history.
  await cluster.kubectlOk(["patch", "cronjob", "tick", "-p", '{"spec":{"suspend":true}}']);
  const job = await json(["get", "job", scheduled.metadata.name]);
  assert.ok(job.status.conditions.some((c: any) => c.type === "Complete"));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { ApiError } from "../client/api-error.ts";
import { FakeClock } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import { createLogger } from "../util/logger.ts";
import { finalizedMemoryMs, StatusManager } from "./status-manager.ts";

/** A client that records status PATCHes and DELETEs; deleteError decides each DELETE's failure. */
function setup(deleteError: (n: number) => ApiError | undefined = () => undefined) {
  const calls: string[] = [];
  let deletes = 0;
  const client = {
    patchIgnoringAnswer: async (_r: unknown, _ns: string, name: string, _t: string, body: Pod) => {
      calls.push(`PATCH ${name} ${body.status?.phase}`);
    },
    delete: async (_r: unknown, _ns: string, name: string) => {
      calls.push(`DELETE ${name}`);
      const err = deleteError(deletes++);
      if (err) throw err;
      return {};
    },
  } as unknown as RestClient;
  const clock = new FakeClock();
  const log = createLogger("test", { level: "error" });
  return { sm: new StatusManager(client, { clock, log }), calls, clock };
}

const pod: Pod = { metadata: { name: "p", namespace: "default", uid: "u1" } };
const running: PodStatus = { phase: "Running" };
const final: PodStatus = { phase: "Succeeded" };
const apiError = (code: number, reason: string) =>
  new ApiError(code, { kind: "Status", code, reason } as never, reason);

/** A worker for the still-terminating pod, made again by the echo of its final status write. */
async function finalizeTwice(sm: StatusManager): Promise<void> {
  sm.setStatus(pod, running);
  await sm.finalize(pod, final);
  sm.setStatus(pod, final);
  await sm.finalize(pod, final);
  await sm.flush();
}

test("a pod is finalized once: a second worker's status and finalize are dropped", async () => {
  const cases: {
    name: string;
    deleteError?: (n: number) => ApiError | undefined;
    want: string[];
  }[] = [
    {
      name: "deleted",
      want: ["PATCH p Running", "PATCH p Succeeded", "DELETE p"],
    },
    {
      name: "already gone (404)",
      deleteError: () => apiError(404, "NotFound"),
      want: ["PATCH p Running", "PATCH p Succeeded", "DELETE p"],
    },
    {
      name: "another uid under the name (409)",
      deleteError: () => apiError(409, "Conflict"),
      want: ["PATCH p Running", "PATCH p Succeeded", "DELETE p"],
    },
    {
      name: "delete failed (500): the next finalize retries",
      deleteError: (n) => (n === 0 ? apiError(500, "InternalError") : undefined),
      want: ["PATCH p Running", "PATCH p Succeeded", "DELETE p", "PATCH p Succeeded", "DELETE p"],
    },
  ];
  for (const c of cases) {
    const { sm, calls } = setup(c.deleteError);
    await finalizeTwice(sm);
    assert.deepEqual(calls, c.want, c.name);
    assert.equal(sm.isFinalized("u1"), true, c.name);
  }
});

test("concurrent finalize calls for one pod write and delete once", async () => {
  const { sm, calls } = setup();
  await Promise.all([sm.finalize(pod, final), sm.finalize(pod, final)]);
  assert.deepEqual(calls, ["PATCH p Succeeded", "DELETE p"]);
});

test("a finalized uid is remembered at least finalizedMemoryMs, at most twice that", async () => {
  const { sm, calls, clock } = setup();
  await sm.finalize(pod, final);
  sm.forget("u1");
  clock.advance(finalizedMemoryMs - 1);
  assert.equal(sm.isFinalized("u1"), true);
  clock.advance(finalizedMemoryMs + 1);
  assert.equal(sm.isFinalized("u1"), false);
  await sm.finalize(pod, final);
  assert.deepEqual(calls, ["PATCH p Succeeded", "DELETE p", "PATCH p Succeeded", "DELETE p"]);
});

test("statuses of other pods are written as before", async () => {
  const { sm, calls } = setup();
  await sm.finalize(pod, final);
  sm.setStatus({ metadata: { name: "q", namespace: "default", uid: "u2" } }, running);
  await sm.flush();
  assert.deepEqual(calls, ["PATCH p Succeeded", "DELETE p", "PATCH q Running"]);
});

test("cancel abandons the status writes in flight: flush waits for nothing, and nothing more is written", async () => {
  const signals: AbortSignal[] = [];
  const calls: string[] = [];
  // A server that never answers: a write ends only when its request is aborted.
  const client = {
    patchIgnoringAnswer: (
      _r: unknown,
      _ns: string,
      name: string,
      _t: string,
      body: Pod,
      o: { signal?: AbortSignal },
    ) => {
      calls.push(`PATCH ${name} ${body.status?.phase}`);
      signals.push(o.signal!);
      return new Promise((_resolve, reject) =>
        o.signal!.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    },
  } as unknown as RestClient;
  const sm = new StatusManager(client, {
    clock: new FakeClock(),
    log: createLogger("test", { level: "error" }),
  });
  sm.setStatus(pod, running);
  sm.setStatus({ metadata: { name: "q", namespace: "default", uid: "u2" } }, running);
  // Dirty again while its write is in flight: would be written once more after it.
  sm.setStatus(pod, final);
  assert.deepEqual(calls, ["PATCH p Running", "PATCH q Running"]);
  assert.ok(signals.every((s) => !s.aborted));
  sm.cancel();
  assert.ok(
    signals.every((s) => s.aborted),
    "requests aborted",
  );
  await sm.flush();
  sm.setStatus(pod, { phase: "Failed" });
  await sm.flush();
  assert.deepEqual(calls, ["PATCH p Running", "PATCH q Running"], "nothing written after cancel");
});

test("a status equal to the last one written is not written again; a changed one is", async () => {
  const { sm, calls } = setup();
  const q: Pod = { metadata: { name: "q", namespace: "default", uid: "u3" } };
  for (const status of [running, { ...running }, { phase: "Running", podIP: "10.0.0.1" }]) {
    sm.setStatus(q, status);
    await sm.flush();
  }
  assert.deepEqual(calls, ["PATCH q Running", "PATCH q Running"]);
});

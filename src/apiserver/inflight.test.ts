import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../api/status.ts";
import { InflightLimiter } from "./inflight.ts";

test("InflightLimiter bounds read-only and mutating requests separately; watches are exempt", () => {
  const limiter = new InflightLimiter(2, 1);
  const r1 = limiter.acquire("get", true);
  limiter.acquire("list", true);
  assert.throws(
    () => limiter.acquire("get", true),
    (err: unknown) =>
      err instanceof StatusError && err.code === 429 && err.details?.retryAfterSeconds === 1,
  );
  const m1 = limiter.acquire("create", true);
  assert.throws(() => limiter.acquire("patch", true), /Too many requests/);
  limiter.acquire("watch", true);
  r1();
  r1(); // releasing twice frees one slot only
  limiter.acquire("get", true);
  assert.throws(() => limiter.acquire("get", true), /Too many requests/);
  m1();
  limiter.acquire("delete", true);
  assert.equal(limiter.readOnly, 2);
  assert.equal(limiter.mutating, 1);
});

test("InflightLimiter does not count long-running subresources", () => {
  const limiter = new InflightLimiter(1, 1);
  limiter.acquire("get", true);
  limiter.acquire("create", true);
  for (const sub of ["log", "exec", "attach", "portforward", "proxy"]) {
    limiter.acquire("get", true, sub);
    limiter.acquire("create", true, sub);
  }
  assert.throws(() => limiter.acquire("get", true, "status"), /Too many requests/);
  assert.throws(() => limiter.acquire("create", true, "binding"), /Too many requests/);
  assert.equal(limiter.readOnly, 1);
  assert.equal(limiter.mutating, 1);
});

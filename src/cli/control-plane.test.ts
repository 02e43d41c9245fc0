import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { addControlPlaneFlags } from "./control-plane-flags.ts";
import { requestTimeoutMs } from "./control-plane.ts";

test("--request-timeout: default 1m0s, Go durations, bad values stop start-up", () => {
  const parse = (...argv: string[]) =>
    addControlPlaneFlags(new Command()).parse(argv, { from: "user" }).opts().requestTimeout;
  assert.equal(requestTimeoutMs(parse()), 60_000);
  assert.equal(requestTimeoutMs(parse("--request-timeout", "2m30s")), 150_000);
  assert.equal(requestTimeoutMs(undefined), undefined);
  assert.throws(() => requestTimeoutMs("soon"), /Cannot parse duration/);
  assert.throws(() => requestTimeoutMs("0s"), /must be a positive duration/);
});

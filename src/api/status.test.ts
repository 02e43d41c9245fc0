import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrors, invalid, notFound } from "./status.ts";

test("notFound names the qualified resource", () => {
  const status = notFound("apps", "deployments", "web").toStatus();
  assert.equal(status.code, 404);
  assert.equal(status.reason, "NotFound");
  assert.equal(status.message, 'deployments.apps "web" not found');
});

test("invalid joins several causes in brackets and keeps one bare", () => {
  const one = invalid("", "Pod", "x", [fieldErrors.required("spec.containers[0].name")]);
  assert.equal(one.message, 'Pod "x" is invalid: spec.containers[0].name: Required value');
  assert.equal(one.code, 422);
  const two = invalid("", "Pod", "x", [
    fieldErrors.required("spec.containers"),
    fieldErrors.invalid("metadata.name", "A", "must be lowercase"),
  ]);
  assert.match(
    two.message,
    /is invalid: \[spec.containers: Required value, metadata.name: Invalid value: "A": must be lowercase\]$/,
  );
  assert.equal(two.details?.causes?.length, 2);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate } from "./negotiation.ts";

test("negotiate picks the first acceptable form", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "object/json"],
    ["application/json", "object/json"],
    ["*/*", "object/json"],
    ["application/yaml", "object/yaml"],
    [
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
      "Table/json",
    ],
    [
      "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json",
      "PartialObjectMetadataList/json",
    ],
    ["application/json;as=Bogus;v=v1;g=meta.k8s.io, application/json", "object/json"],
    ["application/vnd.kubernetes.protobuf, application/json", "object/json"],
    ["application/json;q=0, application/yaml", "object/yaml"],
  ];
  for (const [accept, want] of cases) {
    const n = negotiate(accept);
    assert.equal(`${n.as}/${n.format}`, want, String(accept));
  }
});

test("negotiate rejects protobuf-only and transformation-only when not allowed", () => {
  assert.throws(
    () => negotiate("application/vnd.kubernetes.protobuf"),
    /only the following media types/,
  );
  assert.throws(
    () => negotiate("application/json;as=Table;v=v1;g=meta.k8s.io", false),
    /only the following/,
  );
});

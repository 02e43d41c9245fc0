import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import { Name, normalizedImageName } from "./imagelocality.ts";

const mb = 1024 * 1024;

test("normalizedImageName adds :latest only without tag or digest", () => {
  const cases = [
    ["busybox", "busybox:latest"],
    ["busybox:1.36", "busybox:1.36"],
    ["registry:5000/app", "registry:5000/app:latest"],
    ["app@sha256:abc", "app@sha256:abc"],
  ];
  for (const [input, want] of cases) assert.equal(normalizedImageName(input!), want);
});

test("ImageLocality score: image size on the node, scaled by spread", () => {
  const nodes = [
    makeNode("big")
      .images([{ names: ["app:v1"], sizeBytes: 500 * mb }])
      .obj(),
    makeNode("small")
      .images([{ names: ["tool:v1"], sizeBytes: 10 * mb }])
      .obj(),
    makeNode("none").obj(),
  ];
  const cluster = fakeCluster({ nodes });
  // big: 500MB * 1/3 spread = 166.7MB -> (166.7-23)/(1000-23)*100 = 14.
  assert.deepEqual(
    scoreAll(
      cluster,
      Name,
      makePod("p")
        .spec({ containers: [{ name: "c", image: "app:v1" }] })
        .obj(),
    ),
    {
      big: 14,
      small: 0,
      none: 0,
    },
  );
});

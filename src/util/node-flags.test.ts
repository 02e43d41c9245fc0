import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { K8TS_NODE_FLAGS } from "./node-flags.ts";

test("bin/k8ts's shebang runs node with every K8TS_NODE_FLAGS flag", () => {
  const first = readFileSync(join(import.meta.dirname, "..", "..", "bin", "k8ts"), "utf8").split(
    "\n",
  )[0];
  assert.equal(first, `#!/usr/bin/env -S node ${K8TS_NODE_FLAGS.join(" ")}`);
});

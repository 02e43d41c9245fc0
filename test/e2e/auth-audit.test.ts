/** Audit logging: --audit-policy-file levels and audit.k8s.io/v1 Event JSON lines in --audit-log-path. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type TestCluster } from "./harness.ts";

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets"]
- level: None
`;

describe("audit logging", () => {
  let cluster: TestCluster;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-audit-"));
    await writeFile(join(dir, "policy.yaml"), POLICY);
    cluster = await startCluster({
      args: [
        "--audit-policy-file",
        join(dir, "policy.yaml"),
        "--audit-log-path",
        join(dir, "audit.log"),
        "--disable-controller-manager",
        "--disable-scheduler",
      ],
    });
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("levels per rule, stages, users, objectRef and response status", async () => {
    await cluster.kubectlOk(["create", "configmap", "audited", "--from-literal=a=b"]);
    await cluster.kubectlOk(["get", "namespaces"]);
    const denied = await cluster.kubectl(["get", "secrets", "--as", "jane"]);
    assert.notEqual(denied.code, 0);
    const events = (await readFile(join(dir, "audit.log"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(events.every((e) => e.kind === "Event" && e.apiVersion === "audit.k8s.io/v1"));
    assert.ok(
      events.every((e) => e.stage === "ResponseComplete"),
      "RequestReceived is omitted",
    );
    assert.ok(
      !events.some((e) => e.objectRef?.resource === "namespaces"),
      "level None logs nothing",
    );
    const create = events.find(
      (e) => e.verb === "create" && e.objectRef?.resource === "configmaps",
    );
    assert.ok(create, JSON.stringify(events));
    assert.equal(create.level, "RequestResponse");
    assert.deepEqual(create.objectRef, {
      resource: "configmaps",
      namespace: "default",
      apiVersion: "v1",
    });
    assert.equal(create.user.username, "kubernetes-admin");
    assert.equal(create.responseStatus.code, 201);
    assert.equal(create.responseObject.metadata.name, "audited");
    assert.match(create.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The server's own components also read secrets; find the impersonated request.
    const secrets = events.find((e) => e.objectRef?.resource === "secrets" && e.impersonatedUser);
    assert.ok(secrets, "the impersonated request is audited");
    assert.equal(secrets.level, "Metadata");
    assert.equal(secrets.impersonatedUser.username, "jane");
    assert.equal(secrets.responseStatus.code, 403);
    assert.equal(secrets.responseObject, undefined);
  });
});

/** Audit logging: --audit-policy-file levels and audit.k8s.io/v1 Event JSON lines in --audit-log-path. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { useAuditedCluster } from "./audited-cluster.ts";

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Request
  verbs: ["create", "patch", "update"]
  resources:
  - group: ""
    resources: ["services"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets"]
- level: Metadata
  users: ["kubernetes-admin"]
  verbs: ["watch"]
  namespaces: ["default"]
  resources:
  - group: ""
    resources: ["pods"]
- level: None
`;

describe("audit logging", () => {
  const audited = useAuditedCluster(POLICY, [
    "--disable-controller-manager",
    "--disable-scheduler",
  ]);

  test("levels per rule, stages, users, objectRef and response status", async () => {
    await audited.cluster.kubectlOk(["create", "configmap", "audited", "--from-literal=a=b"]);
    await audited.cluster.kubectlOk(["get", "namespaces"]);
    const denied = await audited.cluster.kubectl(["get", "secrets", "--as", "jane"]);
    assert.notEqual(denied.code, 0);
    const events = await audited.eventsWhen(
      (all) =>
        all.some((e) => e.verb === "create" && e.objectRef?.resource === "configmaps") &&
        all.some((e) => e.objectRef?.resource === "secrets" && e.impersonatedUser),
    );
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
    assert.equal(create.requestObject.kind, "ConfigMap", "RequestResponse has the request body");
    assert.deepEqual(create.requestObject.data, { a: "b" });
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

describe("audit logging: Request level bodies and long-running stages", () => {
  const audited = useAuditedCluster(POLICY.replace('omitStages: ["RequestReceived"]\n', ""), [
    "--disable-controller-manager",
    "--disable-scheduler",
  ]);

  test("Request level logs request bodies (create and patch) but no response bodies", async () => {
    await audited.cluster.kubectlOk(["create", "service", "clusterip", "audsvc", "--tcp=80:8080"]);
    await audited.cluster.kubectlOk(["annotate", "service", "audsvc", "team=blue"]);
    const events = await audited.eventsWhen((all) =>
      all.some(
        (e) =>
          e.verb === "patch" &&
          e.stage === "ResponseComplete" &&
          e.objectRef?.resource === "services",
      ),
    );
    // The test's own service (the DNS add-on creates kube-dns meanwhile):
    // found by its name, and its RequestReceived by the same audit ID.
    const svc = (verb: string, stage: string) =>
      events.find(
        (e) =>
          e.verb === verb &&
          e.stage === stage &&
          e.objectRef?.resource === "services" &&
          (e.objectRef?.name === "audsvc" || e.requestObject?.metadata?.name === "audsvc"),
      );
    const created = svc("create", "ResponseComplete");
    assert.ok(created, JSON.stringify(events.map((e) => [e.verb, e.stage, e.objectRef?.name])));
    const received = events.find(
      (e) => e.auditID === created.auditID && e.stage === "RequestReceived",
    );
    assert.ok(received, "RequestReceived is logged when not omitted");
    assert.equal(received.requestObject, undefined, "the body is not read yet at RequestReceived");
    assert.equal(created.level, "Request");
    assert.equal(created.requestObject.kind, "Service");
    assert.equal(created.requestObject.metadata.name, "audsvc");
    assert.equal(created.requestObject.spec.ports[0].targetPort, 8080);
    assert.equal(created.responseObject, undefined, "Request level has no response body");
    assert.equal(created.responseStatus.code, 201);
    const patched = svc("patch", "ResponseComplete");
    assert.ok(patched, JSON.stringify(events.map((e) => [e.verb, e.stage])));
    assert.equal(patched.requestObject.metadata.annotations.team, "blue", "the patch body");
    assert.equal(patched.objectRef.name, "audsvc");
  });

  test("a watch logs RequestReceived, ResponseStarted and ResponseComplete", async () => {
    const res = await audited.cluster.request(
      "GET",
      "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1",
    );
    assert.equal(res.status, 200);
    // ResponseComplete is written once the server has finished the response,
    // which may be just after the client saw its end.
    const events = (
      await audited.eventsWhen((all) =>
        all.some(
          (e) =>
            e.verb === "watch" &&
            e.objectRef?.resource === "pods" &&
            e.stage === "ResponseComplete",
        ),
      )
    ).filter((e) => e.verb === "watch" && e.objectRef?.resource === "pods");
    assert.deepEqual(
      events.map((e) => e.stage),
      ["RequestReceived", "ResponseStarted", "ResponseComplete"],
    );
    assert.ok(events.every((e) => e.level === "Metadata" && e.auditID === events[0].auditID));
    assert.equal(events[1].responseStatus.code, 200);
    assert.equal(events[2].responseObject, undefined);
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuthzAttributes, Authorizer } from "../auth/types.ts";
import { celAuthorizerFor, withAsyncAuthorizer } from "./async-authorizer.ts";
import { compile } from "./compile.ts";
import type { AuthzCheck } from "./context.ts";
import { authorizerValue } from "./lib/authorizer.ts";

const VARS = ["authorizer", "object"];

function program(source: string) {
  const c = compile(source, { variables: VARS });
  assert.ok(c.ok, c.ok ? "" : c.error.message);
  return c.program;
}

test("withAsyncAuthorizer resolves checks, including ones that depend on earlier answers", async () => {
  const allowed = new Set(["create/apps/deployments/ns1", "get///healthz", "list//pods/ns1"]);
  const seen: AuthzCheck[] = [];
  const authorize = async (c: AuthzCheck) => {
    seen.push(c);
    await new Promise((r) => setImmediate(r));
    const key = `${c.verb}/${c.group ?? ""}/${c.path ?? c.resource}${c.namespace ? `/${c.namespace}` : ""}`;
    return allowed.has(key)
      ? { decision: "allow" as const, reason: "listed" }
      : { decision: "deny" as const, reason: "not listed" };
  };
  const bindings = { authorizer: authorizerValue({ user: "alice" }), object: { ns: "ns1" } };
  const cases: [string, unknown, number][] = [
    [
      "authorizer.group('apps').resource('deployments').namespace(object.ns).check('create').allowed()",
      true,
      1,
    ],
    ["authorizer.path('/healthz').check('get').allowed()", true, 1],
    ["authorizer.group('').resource('secrets').check('get').reason()", "not listed", 1],
    // The second check is reached only once the first is known to be allowed.
    [
      "authorizer.path('/healthz').check('get').allowed() && authorizer.group('').resource('pods').namespace('ns1').check('list').allowed()",
      true,
      2,
    ],
  ];
  for (const [source, want, checks] of cases) {
    seen.length = 0;
    const p = program(source);
    const r = await withAsyncAuthorizer(authorize, () => p.evaluate(bindings));
    assert.ok(r.ok, source);
    assert.equal(r.value, want, source);
    assert.equal(seen.length, checks, source);
  }
  // Without the bridge every check is denied.
  const p = program("authorizer.path('/healthz').check('get').allowed()");
  const r = p.evaluate(bindings);
  assert.ok(r.ok);
  assert.equal(r.value, false);
});

test("celAuthorizerFor maps checks to the server's authorizer attributes", async () => {
  const got: AuthzAttributes[] = [];
  const authz: Authorizer = {
    name: "fake",
    async authorize(a) {
      got.push(a);
      return { decision: a.user.username === "alice" ? "allow" : "deny", reason: "r" };
    },
  };
  const async = celAuthorizerFor(authz, { username: "alice", groups: ["g"] });
  const p = program(
    "authorizer.group('apps').resource('deployments').subresource('scale').namespace('n').name('d').check('update').allowed() && !authorizer.serviceAccount('kube-system', 'sa').path('/metrics').check('get').allowed()",
  );
  const r = await withAsyncAuthorizer(async, () =>
    p.evaluate({ authorizer: authorizerValue({ user: "alice" }) }),
  );
  assert.ok(r.ok);
  assert.equal(r.value, true);
  assert.deepEqual(
    got.map((a) => [
      a.user.username,
      a.verb,
      a.isResourceRequest,
      a.apiGroup,
      a.resource,
      a.subresource,
      a.namespace,
      a.name,
      a.path,
    ]),
    [
      ["alice", "update", true, "apps", "deployments", "scale", "n", "d", ""],
      ["system:serviceaccount:kube-system:sa", "get", false, "", "", "", "", "", "/metrics"],
    ],
  );
  assert.deepEqual(got[1]!.user.groups, [
    "system:serviceaccounts",
    "system:serviceaccounts:kube-system",
    "system:authenticated",
  ]);
});

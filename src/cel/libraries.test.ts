import { test } from "node:test";
import assert from "node:assert/strict";
import { authorizerValue, compile, fromCel, type AuthzCheck } from "./index.ts";

function run(expr: string, self: unknown = {}): unknown {
  const c = compile(expr, { variables: ["self"] });
  if (!c.ok) throw c.error;
  const r = c.program.evaluate({ self });
  return r.ok ? fromCel(r.value) : { error: r.error.message };
}

test("Kubernetes libraries", () => {
  const cases: [string, unknown][] = [
    // lists
    ["[1, 2, 3].isSorted()", true],
    ["['b', 'a'].isSorted()", false],
    ["[1, 2, 3].sum()", 6],
    ["[1.5, 2.5].sum()", 4],
    ["[].sum()", 0],
    ["[3, 1, 2].min()", 1],
    ["[3, 1, 2].max()", 3],
    ["[1, 2, 1].indexOf(1)", 0],
    ["[1, 2, 1].lastIndexOf(1)", 2],
    ["[1, 2].indexOf(9)", -1],
    ["[].min()", { error: "min called on empty list" }],
    // sets
    ["sets.contains([1, 2, 3], [3, 1])", true],
    ["sets.contains([1, 2], [2, 5])", false],
    ["sets.contains([], [])", true],
    ["sets.contains([1], [dyn(1.0), dyn(1u)])", true],
    ["sets.equivalent([1, 2, 2], [2, 1])", true],
    ["sets.equivalent([1, 2], [1])", false],
    ["sets.intersects(['a', 'b'], ['c', 'b'])", true],
    ["sets.intersects(['a'], [])", false],
    // regex
    ["'abc 123 def 456'.find('[0-9]+')", "123"],
    ["'abc'.find('[0-9]+')", ""],
    ["'abc 123 def 456'.findAll('[0-9]+')", ["123", "456"]],
    ["'a1b2c3'.findAll('[0-9]', 2)", ["1", "2"]],
    ["'ABC'.find('(?i)b')", "B"],
    // strings ext
    ["'HeLLo'.lowerAscii()", "hello"],
    ["'hello'.upperAscii()", "HELLO"],
    ["'a,b,c'.split(',')", ["a", "b", "c"]],
    ["['a', 'b'].join('-')", "a-b"],
    ["'  x '.trim()", "x"],
    ["'aXa'.replace('a', 'b')", "bXb"],
    ["'hello'.substring(1, 3)", "el"],
    ["'hello'.indexOf('l')", 2],
    ["'hello'.charAt(1)", "e"],
    // url
    ["url('https://example.com:8443/a/b?x=1&x=2&y=3').getScheme()", "https"],
    ["url('https://example.com:8443/a/b').getHost()", "example.com:8443"],
    ["url('https://[::1]:80/').getHostname()", "::1"],
    ["url('https://example.com:8443/a/b').getPort()", "8443"],
    ["url('https://example.com/a%20b').getEscapedPath()", "/a%20b"],
    ["url('/path?x=1&x=2&y=3').getQuery()", { x: ["1", "2"], y: ["3"] }],
    ["isURL('https://example.com')", true],
    ["isURL('not a url')", false],
    ["isURL('relative/path')", false],
    // quantity
    ["quantity('1Gi').isGreaterThan(quantity('1G'))", true],
    ["quantity('500m').isLessThan(quantity('1'))", true],
    ["quantity('1Gi').compareTo(quantity('1024Mi'))", 0],
    ["quantity('1k').add(quantity('500')) == quantity('1500')", true],
    ["quantity('1k').add(24).asInteger()", 1024],
    ["quantity('1').sub(quantity('250m'))", "750m"],
    ["quantity('1.5').isInteger()", false],
    ["quantity('-2').sign()", -1],
    ["quantity('250m').asApproximateFloat()", 0.25],
    ["isQuantity('1Gi')", true],
    ["isQuantity('1 Gi')", false],
    ["quantity('1.5').asInteger()", { error: "cannot convert value to integer" }],
    // format
    ["format.dns1123Label().validate('my-name').hasValue()", false],
    ["format.dns1123Label().validate('My_Name').hasValue()", true],
    ["format.named('dns1123Subdomain').value().validate('a.b.c').hasValue()", false],
    ["format.named('labelValue').hasValue()", true],
    ["format.named('unknown').hasValue()", false],
    ["format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", false],
    ["format.qualifiedName().validate('example.com/name').hasValue()", false],
    // optional
    ["optional.of(1).value()", 1],
    ["optional.none().orValue('d')", "d"],
    ["optional.ofNonZeroValue('').hasValue()", false],
    ["optional.none().value()", { error: "optional.none() dereference" }],
  ];
  for (const [expr, want] of cases) assert.deepEqual(run(expr), want, expr);
});

test("format validate returns upstream's messages", () => {
  const errs = run("format.dns1123Label().validate('A').value()") as string[];
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /a lowercase RFC 1123 label must consist of/);
});

test("authorizer library asks the evaluation's authorizer", () => {
  const seen: AuthzCheck[] = [];
  const c = compile(
    "authorizer.group('apps').resource('deployments').namespace('ns').name('web').check('update').allowed() && " +
      "!authorizer.requestResource.check('delete').allowed() && " +
      "authorizer.requestResource.check('delete').reason() == 'no' && " +
      "authorizer.serviceAccount('kube-system', 'sa').path('/healthz').check('get').allowed()",
    { variables: ["authorizer"] },
  );
  assert.ok(c.ok);
  const r = c.program.evaluate(
    {
      authorizer: authorizerValue({
        user: "alice",
        requestResource: { group: "", resource: "pods", namespace: "ns" },
      }),
    },
    {
      authorizer: (chk) => {
        seen.push(chk);
        return chk.verb === "delete" ? { decision: "deny", reason: "no" } : { decision: "allow" };
      },
    },
  );
  assert.ok(r.ok && r.value === true, JSON.stringify(r));
  assert.deepEqual(seen[0], {
    verb: "update",
    user: "alice",
    path: undefined,
    group: "apps",
    resource: "deployments",
    subresource: undefined,
    namespace: "ns",
    name: "web",
    fieldSelector: undefined,
    labelSelector: undefined,
  });
  assert.equal(seen[1]?.resource, "pods");
  assert.equal(seen.at(-1)?.user, "system:serviceaccount:kube-system:sa");
  assert.equal(seen.at(-1)?.path, "/healthz");
});

test("authorizer selectors reach the check", () => {
  const seen: AuthzCheck[] = [];
  const c = compile(
    "authorizer.group('').resource('pods').fieldSelector('spec.nodeName=n1').labelSelector('app=web').check('list').allowed()",
    { variables: ["authorizer"] },
  );
  assert.ok(c.ok);
  const r = c.program.evaluate(
    { authorizer: authorizerValue({}) },
    { authorizer: (chk) => (seen.push(chk), { decision: "allow" }) },
  );
  assert.ok(r.ok && r.value === true);
  assert.equal(seen[0]?.fieldSelector, "spec.nodeName=n1");
  assert.equal(seen[0]?.labelSelector, "app=web");
});

test("without an authorizer every check is denied", () => {
  const c = compile("authorizer.path('/x').check('get').allowed()", { variables: ["authorizer"] });
  assert.ok(c.ok);
  const r = c.program.evaluate({ authorizer: authorizerValue() });
  assert.ok(r.ok && r.value === false);
});

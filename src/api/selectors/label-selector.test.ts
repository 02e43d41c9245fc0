import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatLabelSelector,
  labelSelectorFromObject,
  parseLabelSelector,
  selectorFromSet,
  type LabelSelector,
} from "./label-selector.ts";

function parse(s: string): LabelSelector {
  const r = parseLabelSelector(s);
  if (!r.ok) throw r.error;
  return r.selector;
}

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test("parses every operator and prints the canonical form", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["a=b", "a=b"],
    ["a==b", "a==b"],
    ["a!=b", "a!=b"],
    ["a", "a"],
    ["!a", "!a"],
    ["x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"],
    ["  c = d , a in ( y , x )  ", "a in (x,y),c=d"],
    ["e in (x,y),f notin (z),g,!h,a=b,c!=d", "a=b,c!=d,e in (x,y),f notin (z),g,!h"],
    ["a=", "a="],
    ["a=,b", "a=,b"],
    ["key in (in,notin)", "key in (in,notin)"],
    ["a>1,b<2", "a>1,b<2"],
    ["example.com/app=web", "example.com/app=web"],
    ["a in (x,x)", "a in (x)"],
  ];
  for (const [input, want] of cases) assert.equal(parse(input).toString(), want, input);
});

test("matches labels as upstream", () => {
  const labels = { app: "web", tier: "front", n: "5", empty: "" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app in (db)", false],
    ["missing in (x)", false],
    ["app notin (db)", true],
    ["app notin (web)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["empty=", true],
    ["empty", true],
    ["n>4", true],
    ["n>5", false],
    ["n<6", true],
    ["app>1", false],
    ["missing<6", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
  ];
  for (const [input, want] of cases) assert.equal(parse(input).matches(labels), want, input);
  assert.equal(parse("!a").matches(undefined), true);
});

test("rejects bad selectors with upstream's messages", () => {
  const cases: [string, string][] = [
    ["app:web", `unable to parse requirement: <nil>: Invalid value: "app:web": ${NAME_PART}`],
    ["a=b@c", `unable to parse requirement: values[0][a]: Invalid value: "b@c": ${VALUE_MSG}`],
    [
      "-ltier=postgres",
      `unable to parse requirement: <nil>: Invalid value: "-ltier": ${NAME_PART}`,
    ],
    [
      "a/b/c=d",
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      "Ex.com/a=b",
      "unable to parse requirement: <nil>: Invalid value: \"Ex.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    ["a=b c", "found 'c', expected: ',' or 'end of string'"],
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["a=b,", "found '', expected: identifier after ','"],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a in x", "unable to parse requirement: found 'x' expected: '('"],
    ["a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ["a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["a==(b)", "unable to parse requirement: found '(', expected: identifier"],
    ["!a=b", "found '=', expected: ',' or 'end of string'"],
    [
      "a>b",
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  for (const [input, message] of cases) {
    const r = parseLabelSelector(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.error.message, message, input);
  }
});

test("metav1.LabelSelector objects convert like LabelSelectorAsSelector", () => {
  const nil = labelSelectorFromObject(undefined);
  assert.ok(nil.ok && !nil.selector.matches({}) && nil.selector.toString() === "");
  const empty = labelSelectorFromObject({});
  assert.ok(empty.ok && empty.selector.matches({ any: "x" }) && empty.selector.isEmpty());
  const full = labelSelectorFromObject({
    matchLabels: { app: "web" },
    matchExpressions: [
      { key: "tier", operator: "In", values: ["front", "back"] },
      { key: "env", operator: "NotIn", values: ["dev"] },
      { key: "team", operator: "Exists" },
      { key: "legacy", operator: "DoesNotExist" },
    ],
  });
  assert.ok(full.ok);
  if (!full.ok) return;
  assert.equal(
    full.selector.toString(),
    "app=web,env notin (dev),!legacy,team,tier in (back,front)",
  );
  assert.equal(full.selector.matches({ app: "web", tier: "front", team: "a" }), true);
  assert.equal(full.selector.matches({ app: "web", tier: "front", team: "a", env: "dev" }), false);
  assert.equal(full.selector.matches({ app: "web", tier: "front", team: "a", legacy: "" }), false);

  const badOp = labelSelectorFromObject({
    matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }],
  });
  assert.ok(!badOp.ok && badOp.error.message === '"Gt" is not a valid label selector operator');
  const noValues = labelSelectorFromObject({
    matchExpressions: [{ key: "a", operator: "In", values: [] }],
  });
  assert.ok(
    !noValues.ok &&
      noValues.error.message ===
        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
  );
  const twoErrs = labelSelectorFromObject({
    matchExpressions: [{ key: "a b", operator: "Exists", values: ["x"] }],
  });
  assert.ok(
    !twoErrs.ok && twoErrs.error.message.startsWith('[key: Invalid value: "a b": name part'),
  );
  assert.ok(
    !twoErrs.ok &&
      twoErrs.error.message.endsWith(
        ', values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist]',
      ),
  );
});

test("formatLabelSelector and selectorFromSet", () => {
  assert.equal(formatLabelSelector(undefined), "<none>");
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector({ matchLabels: { b: "2", a: "1" } }), "a=1,b=2");
  assert.equal(formatLabelSelector({ matchLabels: { "bad key": "1" } }), "<error>");
  const sel = selectorFromSet({ z: "1", a: "2" });
  assert.equal(sel.toString(), "a=2,z=1");
  assert.equal(sel.requiresExactMatch("z"), "1");
  assert.equal(parse("a in (x,y)").requiresExactMatch("a"), undefined);
});

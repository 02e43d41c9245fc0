import { test } from "node:test";
import assert from "node:assert/strict";
import {
  escapeFieldValue,
  parseFieldSelector,
  unknownFieldSelectorMessage,
  type FieldSelector,
} from "./field-selector.ts";

function parse(s: string): FieldSelector {
  const r = parseFieldSelector(s);
  if (!r.ok) throw r.error;
  return r.selector;
}

test("parses terms, sorts them and keeps escapes in the printed form", () => {
  const cases: [string, string, [string, string, string][]][] = [
    ["", "", []],
    [",,", "", []],
    ["metadata.name=web", "metadata.name=web", [["metadata.name", "=", "web"]]],
    ["a==b", "a=b", [["a", "=", "b"]]],
    ["a!=b", "a!=b", [["a", "!=", "b"]]],
    ["spec.nodeName=", "spec.nodeName=", [["spec.nodeName", "=", ""]]],
    [
      "status.phase!=Failed,spec.nodeName=n1",
      "spec.nodeName=n1,status.phase!=Failed",
      [
        ["spec.nodeName", "=", "n1"],
        ["status.phase", "!=", "Failed"],
      ],
    ],
    ["a=x\\,y\\=z\\\\", "a=x\\,y\\=z\\\\", [["a", "=", "x,y=z\\"]]],
  ];
  for (const [input, printed, reqs] of cases) {
    const sel = parse(input);
    assert.equal(sel.toString(), printed, input);
    assert.deepEqual(
      sel.requirements.map((r) => [r.field, r.operator, r.value]),
      reqs,
      input,
    );
  }
});

test("rejects malformed selectors with upstream's messages", () => {
  const cases: [string, string][] = [
    ["foo", "invalid selector: 'foo'; can't understand 'foo'"],
    ["a=b,bar", "invalid selector: 'a=b,bar'; can't understand 'bar'"],
    ["a=b=c", "invalid field selector: unescaped character in value: 61"],
    ["a!==b", "invalid field selector: unescaped character in value: 61"],
    ["a=b,c=d,e", "invalid selector: 'a=b,c=d,e'; can't understand 'e'"],
    ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
  ];
  for (const [input, message] of cases) {
    const r = parseFieldSelector(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.error.message, message, input);
  }
});

test("matches through a getter; missing fields read as empty", () => {
  const fields: Record<string, string> = {
    "metadata.name": "web",
    "spec.nodeName": "n1",
    "status.phase": "Running",
  };
  const get = (f: string) => fields[f];
  const cases: [string, boolean][] = [
    ["", true],
    ["metadata.name=web", true],
    ["metadata.name=db", false],
    ["status.phase!=Failed", true],
    ["status.phase!=Running", false],
    ["spec.nodeName=n1,status.phase=Running", true],
    ["spec.nodeName=n2,status.phase=Running", false],
    ["spec.schedulerName=", true],
    ["spec.schedulerName!=", false],
  ];
  for (const [input, want] of cases) assert.equal(parse(input).matches(get), want, input);
});

test("helpers: exact match, field names, escaping and unknown-field messages", () => {
  const sel = parse("spec.nodeName=n1,status.phase!=Failed,spec.nodeName!=n2");
  assert.equal(sel.requiresExactMatch("spec.nodeName"), "n1");
  assert.equal(sel.requiresExactMatch("status.phase"), undefined);
  assert.deepEqual(sel.fields(), ["spec.nodeName", "status.phase"]);
  assert.equal(escapeFieldValue("a,b=c\\d"), "a\\,b\\=c\\\\d");
  assert.equal(
    unknownFieldSelectorMessage("spec.bogus"),
    '"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  assert.equal(
    unknownFieldSelectorMessage("spec.bogus", { customFields: true }),
    "field label not supported: spec.bogus",
  );
});

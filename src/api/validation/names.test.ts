import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
} from "./names.ts";

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

test("isDNS1123Subdomain", () => {
  const cases: [string, string[]][] = [
    ["example.com", []],
    ["a", []],
    ["0.a-b", []],
    ["Upper", [SUBDOMAIN_MSG]],
    ["-lead", [SUBDOMAIN_MSG]],
    ["trail.", [SUBDOMAIN_MSG]],
    ["", [SUBDOMAIN_MSG]],
    ["a".repeat(254), ["must be no more than 253 characters"]],
  ];
  for (const [value, want] of cases) assert.deepEqual(isDNS1123Subdomain(value), want, value);
});

test("isDNS1123Label", () => {
  assert.deepEqual(isDNS1123Label("my-name"), []);
  assert.deepEqual(isDNS1123Label("a.b"), [LABEL_MSG]);
  assert.deepEqual(isDNS1123Label("a".repeat(64)), ["must be no more than 63 characters"]);
});

test("isDNS1035Label requires a leading letter", () => {
  assert.deepEqual(isDNS1035Label("web"), []);
  assert.match(isDNS1035Label("1web")[0], /^a DNS-1035 label must consist of/);
  assert.match(isDNS1035Label("1web")[0], /\(e\.g\. 'my-name', or 'abc-123', regex used/);
});

test("isQualifiedName", () => {
  const cases: [string, RegExp[]][] = [
    ["app", []],
    ["example.com/app", []],
    ["k8s.io/My_Name.1", []],
    ["/app", [/^prefix part must be non-empty$/]],
    ["Bad_Prefix/app", [/^prefix part a lowercase RFC 1123 subdomain/]],
    [
      "a/b/c",
      [
        /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
      ],
    ],
    ["example.com/", [/^name part must be non-empty$/, /^name part must consist of/]],
    [
      "-x",
      [
        /^name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character \(e\.g\. 'MyName', or 'my\.name', or '123-abc', regex used for validation is/,
      ],
    ],
    ["a".repeat(64), [/^name part must be no more than 63 characters$/]],
  ];
  for (const [value, want] of cases) {
    const got = isQualifiedName(value);
    assert.equal(got.length, want.length, `${value}: ${JSON.stringify(got)}`);
    want.forEach((re, i) => assert.match(got[i], re, value));
  }
});

test("isValidLabelValue", () => {
  assert.deepEqual(isValidLabelValue(""), []);
  assert.deepEqual(isValidLabelValue("My_value-1.x"), []);
  assert.match(
    isValidLabelValue("bad value")[0],
    /^a valid label must be an empty string or consist of/,
  );
  assert.deepEqual(isValidLabelValue("a".repeat(64)), ["must be no more than 63 characters"]);
});

test("isValidPortName", () => {
  const cases: [string, string[]][] = [
    ["http", []],
    ["http-alt", []],
    ["a".repeat(16), ["must be no more than 15 characters"]],
    [
      "HTTP",
      [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must contain at least one letter (a-z)",
      ],
    ],
    ["123", ["must contain at least one letter (a-z)"]],
    ["a--b", ["must not contain consecutive hyphens"]],
    ["-ab", ["must not begin or end with a hyphen"]],
  ];
  for (const [value, want] of cases) assert.deepEqual(isValidPortName(value), want, value);
});

test("isConfigMapKey", () => {
  assert.deepEqual(isConfigMapKey("key.name"), []);
  assert.deepEqual(isConfigMapKey(".."), ["must not be '..'"]);
  assert.deepEqual(isConfigMapKey("..a"), ["must not start with '..'"]);
  assert.match(
    isConfigMapKey("a/b")[0],
    /^a valid config key must consist of alphanumeric characters/,
  );
});

test("generateName prefixes may end with a dash", () => {
  assert.deepEqual(nameIsDNSSubdomain("web-", true), []);
  assert.equal(nameIsDNSSubdomain("web-", false).length, 1);
});

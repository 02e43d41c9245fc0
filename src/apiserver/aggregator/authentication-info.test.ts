import { test } from "node:test";
import assert from "node:assert/strict";
import { authenticationInfoData, mergeCaBundles } from "./authentication-info.ts";

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

test("CA bundles from other API servers are kept, each certificate once", () => {
  const table: [string | undefined, string, string][] = [
    [undefined, `${pem("A")}\n`, `${pem("A")}\n`],
    [`${pem("B")}\n`, `${pem("A")}\n`, `${pem("B")}\n${pem("A")}\n`],
    [`${pem("A")}\n${pem("B")}\n`, `${pem("A")}\n`, `${pem("A")}\n${pem("B")}\n`],
    ["", "not a pem", "not a pem"],
  ];
  for (const [published, ours, want] of table) assert.equal(mergeCaBundles(published, ours), want);
});

test("the ConfigMap data lists request-header settings as JSON arrays", () => {
  assert.deepEqual(
    authenticationInfoData("CA", {
      clientCaPem: "RH",
      allowedNames: [],
      usernameHeaders: ["X-Remote-User"],
      uidHeaders: ["X-Remote-Uid"],
      groupHeaders: ["X-Remote-Group"],
      extraHeaderPrefixes: ["X-Remote-Extra-"],
    }),
    {
      "client-ca-file": "CA",
      "requestheader-client-ca-file": "RH",
      "requestheader-allowed-names": "[]",
      "requestheader-username-headers": '["X-Remote-User"]',
      "requestheader-uid-headers": '["X-Remote-Uid"]',
      "requestheader-group-headers": '["X-Remote-Group"]',
      "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
    },
  );
});

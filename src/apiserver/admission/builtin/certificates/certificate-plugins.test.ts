import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { registryWithAuth } from "../../../../auth/resources.ts";
import type { KObject } from "../../../../api/types.ts";
import type { Authorizer, AuthzAttributes } from "../../../../auth/types.ts";
import type { AdmissionAttributes } from "../../../pipeline.ts";
import {
  certificateApprovalPlugin,
  certificateSigningPlugin,
  certificateSubjectRestrictionPlugin,
} from "./certificate-plugins.ts";

const def = registryWithAuth().get("certificates.k8s.io", "v1", "certificatesigningrequests")!;

/** Allows `verb` on the signers it lists (exact names or "<domain>/*"). */
function authorizer(grants: Record<string, string[]>): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: "test",
    asked,
    async authorize(a: AuthzAttributes) {
      asked.push(`${a.verb} ${a.apiGroup}/${a.resource}/${a.name}`);
      const ok = (grants[a.user.username] ?? []).includes(`${a.verb}:${a.name}`);
      return { decision: ok ? "allow" : "noOpinion", reason: "" };
    },
  };
}

function csrPem(organizations: string[]): string {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 1024,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([
    ...organizations.map((value) => ({ shortName: "O", value })),
    { shortName: "CN", value: "someone" },
  ]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

const csr = (signerName: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: "certificates.k8s.io/v1",
  kind: "CertificateSigningRequest",
  metadata: { name: "req" },
  spec: { signerName, request: "", usages: ["client auth"] },
  ...extra,
});

const attrs = (
  operation: "CREATE" | "UPDATE",
  subresource: string,
  username: string,
  object: KObject,
  oldObject?: KObject,
): AdmissionAttributes => ({
  operation,
  def,
  subresource,
  namespace: "",
  name: "req",
  object,
  oldObject,
  user: { username, groups: [] },
  dryRun: false,
});

const outcome = async (run: () => unknown) => {
  try {
    await run();
    return "allowed";
  } catch (err) {
    return (err as Error).message;
  }
};

test("CertificateApproval needs approve on the signer or its domain wildcard", async () => {
  const authz = authorizer({
    alice: ["approve:example.com/client"],
    bob: ["approve:example.com/*"],
  });
  const plugin = certificateApprovalPlugin(authz);
  const signer = "example.com/client";
  const table: [string, string][] = [
    ["alice", "allowed"],
    ["bob", "allowed"],
    [
      "eve",
      'certificatesigningrequests.certificates.k8s.io "req" is forbidden: user not permitted to approve requests with signerName "example.com/client"',
    ],
  ];
  for (const [user, want] of table)
    assert.equal(
      await outcome(() =>
        plugin.validate!(attrs("UPDATE", "approval", user, csr(signer), csr(signer))),
      ),
      want,
      user,
    );
  assert.ok(authz.asked.includes("approve certificates.k8s.io/signers/example.com/*"));
  // Other subresources are not its business.
  assert.equal(
    await outcome(() => plugin.validate!(attrs("UPDATE", "status", "eve", csr(signer)))),
    "allowed",
  );
});

test("CertificateSigning checks only changes of status.certificate", async () => {
  const plugin = certificateSigningPlugin(authorizer({ signer: ["sign:example.com/client"] }));
  const old = csr("example.com/client");
  const issued = csr("example.com/client", { status: { certificate: "Y2VydA==" } });
  assert.equal(
    await outcome(() => plugin.validate!(attrs("UPDATE", "status", "signer", issued, old))),
    "allowed",
  );
  assert.match(
    await outcome(() => plugin.validate!(attrs("UPDATE", "status", "eve", issued, old))),
    /user not permitted to sign requests with signerName "example.com\/client"$/,
  );
  assert.equal(
    await outcome(() => plugin.validate!(attrs("UPDATE", "status", "eve", old, old))),
    "allowed",
    "conditions-only status updates are not signing",
  );
});

test("CertificateSubjectRestriction refuses system:masters for the kube-apiserver-client signer", async () => {
  const plugin = certificateSubjectRestrictionPlugin();
  const request = (orgs: string[]) => Buffer.from(csrPem(orgs)).toString("base64");
  const make = (signerName: string, orgs: string[]) => {
    const obj = csr(signerName);
    (obj.spec as Record<string, unknown>).request = request(orgs);
    return obj;
  };
  const table: [string, string[], string][] = [
    [
      "kubernetes.io/kube-apiserver-client",
      ["devs", "system:masters"],
      'certificatesigningrequests.certificates.k8s.io "req" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    ],
    ["kubernetes.io/kube-apiserver-client", ["devs"], "allowed"],
    ["example.com/client", ["system:masters"], "allowed"],
  ];
  for (const [signer, orgs, want] of table)
    assert.equal(
      await outcome(() => plugin.validate!(attrs("CREATE", "", "alice", make(signer, orgs)))),
      want,
      `${signer} ${orgs.join(",")}`,
    );
});

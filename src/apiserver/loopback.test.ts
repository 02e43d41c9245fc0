import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiError } from "../client/api-error.ts";
import { RestClient } from "../client/rest-client.ts";
import { authenticateFilter } from "../auth/filters.ts";
import { issueCertificate } from "../pki/self-signed.ts";
import type { UserInfo } from "./context.ts";
import { certificateUser, LoopbackIdentities, loopbackAuthenticator } from "./loopback.ts";
import { defaultPipeline } from "./pipeline.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

describe("loopback transport", () => {
  let dir: string;
  let t: TestServer;
  const identities = new LoopbackIdentities();
  const seen: UserInfo[] = [];
  let ca: Awaited<ReturnType<typeof issueCertificate>>;
  before(async () => {
    ca = await issueCertificate({ commonName: "test-ca", usage: "ca" });
    dir = await mkdtemp(join(tmpdir(), "k8ts-loopback-test-"));
    const pipeline = defaultPipeline();
    pipeline.filters[0] = {
      name: "authenticate",
      run: authenticateFilter({
        request: [loopbackAuthenticator(identities)],
        tokens: [],
        anonymous: false,
      }),
    };
    pipeline.filters.push({
      name: "record",
      run: (ctx, next) => {
        seen.push(ctx.user);
        return next();
      },
    });
    t = await startTestServer({ pipeline, loopbackSocket: join(dir, "apiserver.sock") });
  });
  after(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (token: string | undefined, viaSocket: boolean) =>
    new RestClient({
      server: t.server.url,
      token,
      qps: -1,
      socketPath: viaSocket ? t.server.loopbackSocket : undefined,
    });

  it("listens on a socket only its owner may open", async () => {
    assert.equal(t.server.loopbackSocket, join(dir, "apiserver.sock"));
    const st = await stat(t.server.loopbackSocket!);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  it("authenticates a minted token on the socket as the certificate's user", async () => {
    const pair = await issueCertificate({
      commonName: "system:node:n1",
      organizations: ["system:nodes"],
      usage: "client",
      signer: ca,
    });
    const token = identities.mintForCertificate(pair.certPem);
    const c = client(token, true);
    try {
      seen.length = 0;
      const list = await c.request<{ kind: string }>("GET", "/api/v1/namespaces");
      assert.equal(list.kind, "NamespaceList");
      assert.deepEqual(seen[0], {
        username: "system:node:n1",
        groups: ["system:nodes", "system:authenticated"],
      });
    } finally {
      c.close();
    }
  });

  it("rejects minted tokens on the TCP port, and unknown or missing tokens on the socket", async () => {
    const token = identities.mint({ username: "system:kube-scheduler", groups: [] });
    for (const [tok, viaSocket] of [
      [token, false],
      ["loopback.not-minted", true],
      [undefined, true],
    ] as const) {
      const c = client(tok, viaSocket);
      try {
        await assert.rejects(
          c.request("GET", "/api/v1/namespaces"),
          (err: unknown) => err instanceof ApiError && err.code === 401,
          `${tok} via ${viaSocket ? "socket" : "tcp"}`,
        );
      } finally {
        c.close();
      }
    }
  });

  it("reads CN and every O of a certificate", async () => {
    const pair = await issueCertificate({
      commonName: "kubernetes-admin",
      organizations: ["system:masters", "team-a"],
      usage: "client",
      signer: ca,
    });
    assert.deepEqual(certificateUser(pair.certPem), {
      username: "kubernetes-admin",
      groups: ["system:masters", "team-a"],
    });
  });
});

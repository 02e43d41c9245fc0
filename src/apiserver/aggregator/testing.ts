/**
 * A small extension API server for tests: HTTPS on 127.0.0.1 (port 0) with
 * its own CA, serving group `group`/`version` with one namespaced resource
 * "widgets" (discovery, list) and echoing the X-Remote-User it was sent.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { issueCertificate } from "../../pki/self-signed.ts";

export interface TestExtensionServer {
  port: number;
  /** The CA as APIService spec.caBundle wants it (base64 PEM). */
  caBundle: string;
  /** X-Remote-User of each request received. */
  users: string[];
  close(): Promise<void>;
}

/** Starts the server; its certificate names `<service>.<namespace>.svc`. */
export async function startExtensionServer(opts: {
  group: string;
  version: string;
  service: string;
  namespace: string;
}): Promise<TestExtensionServer> {
  const ca = await issueCertificate({ commonName: "extension-test-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: `${opts.service}.${opts.namespace}.svc`,
    usage: "server",
    signer: ca,
    dnsNames: [`${opts.service}.${opts.namespace}.svc`],
    ipAddresses: ["127.0.0.1"],
  });
  const gv = `${opts.group}/${opts.version}`;
  const users: string[] = [];
  const server: Server = createServer(
    { cert: serving.certPem, key: serving.keyPem },
    (req, res) => {
      users.push(String(req.headers["x-remote-user"] ?? ""));
      const path = new URL(req.url ?? "/", "https://x").pathname.replace(/\/+$/, "");
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (path === `/apis/${gv}`)
        return send(200, {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: gv,
          resources: [
            {
              name: "widgets",
              singularName: "widget",
              namespaced: true,
              kind: "Widget",
              verbs: ["get", "list"],
            },
          ],
        });
      if (/^\/apis\/[^/]+\/[^/]+(\/namespaces\/[^/]+)?\/widgets$/.test(path))
        return send(200, {
          kind: "WidgetList",
          apiVersion: gv,
          metadata: { resourceVersion: "1" },
          items: [
            {
              kind: "Widget",
              apiVersion: gv,
              metadata: { name: "w1", namespace: "default" },
              spec: { size: 3 },
            },
          ],
        });
      send(404, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "NotFound",
        code: 404,
        message: "not found",
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    users,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A small extension API server for tests: HTTPS on 127.0.0.1 (port 0) with
 * its own CA, serving group `group`/`version` with one namespaced resource
 * "widgets" (discovery, list, OpenAPI v2/v3), a WebSocket echo at
 * .../widgets/<name>/echo, and recording who each request came from: the
 * X-Remote-* headers and the CN of the client certificate (requested, and
 * verified against `frontProxyCaPem` when given).
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { WebSocketServer } from "ws";
import { issueCertificate } from "../../pki/self-signed.ts";

/** What one request carried. */
export interface SeenRequest {
  path: string;
  user: string;
  groups: string[];
  /** CN of a verified client certificate, "" without one. */
  clientCN: string;
}

export interface TestExtensionServer {
  port: number;
  /** The CA as APIService spec.caBundle wants it (base64 PEM). */
  caBundle: string;
  /** X-Remote-User of each request received. */
  users: string[];
  requests: SeenRequest[];
  close(): Promise<void>;
}

function seen(req: IncomingMessage): SeenRequest {
  const socket = req.socket as TLSSocket;
  const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
  return {
    path: req.url ?? "",
    user: String(req.headers["x-remote-user"] ?? ""),
    groups: req.headersDistinct["x-remote-group"] ?? [],
    clientCN: cert?.subject ? String(cert.subject.CN) : "",
  };
}

/** The OpenAPI documents of the widgets resource. */
function openapi(gv: string, kind: string): { v2: unknown; v3: unknown } {
  const schema = {
    type: "object",
    description: "A widget of the test extension server.",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: {
        type: "object",
        description: "What the widget should be.",
        properties: { size: { type: "integer", description: "Size of the widget." } },
      },
    },
    "x-kubernetes-group-version-kind": [
      { group: gv.split("/")[0], version: gv.split("/")[1], kind },
    ],
  };
  const name = `io.k8ts.test.${kind}`;
  const path = `/apis/${gv}/namespaces/{namespace}/widgets/{name}`;
  // kubectl explain finds a resource's kind through its GET operation.
  const get = {
    operationId: "readWidget",
    responses: {},
    "x-kubernetes-action": "get",
    "x-kubernetes-group-version-kind": schema["x-kubernetes-group-version-kind"][0],
  };
  return {
    v2: {
      swagger: "2.0",
      info: { title: "widgets", version: "v1" },
      paths: { [path]: { get } },
      definitions: { [name]: schema },
    },
    v3: {
      openapi: "3.0.0",
      info: { title: "widgets", version: "v1" },
      paths: { [path]: { get } },
      components: { schemas: { [name]: schema } },
    },
  };
}

/** Starts the server; its certificate names `<service>.<namespace>.svc`. */
export async function startExtensionServer(opts: {
  group: string;
  version: string;
  service: string;
  namespace: string;
  /** Verify client certificates against this CA (front-proxy CA). */
  frontProxyCaPem?: string;
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
  const docs = openapi(gv, "Widget");
  const users: string[] = [];
  const requests: SeenRequest[] = [];
  const server: Server = createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: opts.frontProxyCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      users.push(String(req.headers["x-remote-user"] ?? ""));
      requests.push(seen(req));
      const path = new URL(req.url ?? "/", "https://x").pathname.replace(/\/+$/, "");
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (path === "/openapi/v2") return send(200, docs.v2);
      if (path === "/openapi/v3")
        return send(200, {
          paths: { [`apis/${gv}`]: { serverRelativeURL: `/openapi/v3/apis/${gv}?hash=X` } },
        });
      if (path === `/openapi/v3/apis/${gv}`) return send(200, docs.v3);
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
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    requests.push(seen(req));
    if (!/\/widgets\/[^/]+\/echo/.test(req.url ?? "")) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, binary) => ws.send(data, { binary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    users,
    requests,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * YAML for a headless Service + Endpoints pointing at an extension server on
 * 127.0.0.1:`port`, and the APIService that routes group/version to it.
 */
export function apiServiceManifest(opts: {
  service: string;
  group: string;
  version: string;
  port: number;
  caBundle: string;
}): string {
  const { service, group, version, port, caBundle } = opts;
  return `
apiVersion: v1
kind: Service
metadata: {name: ${service}, namespace: default}
spec:
  clusterIP: None
  ports: [{port: 443, targetPort: ${port}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: ${service}, namespace: default}
subsets:
- addresses: [{ip: 127.0.0.1}]
  ports: [{port: ${port}}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${version}.${group}}
spec:
  group: ${group}
  version: ${version}
  groupPriorityMinimum: 1000
  versionPriority: 15
  caBundle: ${caBundle}
  service: {namespace: default, name: ${service}}
`;
}

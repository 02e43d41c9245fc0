import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RestClient } from "../../../client/rest-client.ts";
import { CycleState } from "../../framework/cycle-state.ts";
import type { Handle } from "../../framework/interfaces.ts";
import { makePod } from "../../testing/wrappers.ts";
import { newDefaultBinder } from "./defaultbinder.ts";

test("DefaultBinder posts a Binding to pods/binding and reports API errors as Error status", async () => {
  const seen: { url?: string; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      seen.push({ url: req.url, body: JSON.parse(body) });
      const conflict = req.url?.includes("/bound/");
      res.writeHead(conflict ? 409 : 201, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify(
          conflict
            ? {
                kind: "Status",
                status: "Failure",
                reason: "Conflict",
                code: 409,
                message: 'pod bound is already assigned to node "n2"',
              }
            : { kind: "Status", status: "Success", code: 201 },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new RestClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  try {
    const binder = newDefaultBinder({}, { client } as unknown as Handle);
    const cases = [
      { pod: "web", wantErr: undefined },
      { pod: "bound", wantErr: 'pod bound is already assigned to node "n2"' },
    ];
    for (const c of cases) {
      const s = await binder.bind(new CycleState(), makePod(c.pod).info(), "n1");
      assert.equal(s?.message(), c.wantErr, c.pod);
    }
    assert.equal(seen[0]!.url, "/api/v1/namespaces/default/pods/web/binding");
    assert.deepEqual((seen[0]!.body as { target: unknown }).target, {
      apiVersion: "v1",
      kind: "Node",
      name: "n1",
    });
  } finally {
    client.close();
    server.close();
  }
});

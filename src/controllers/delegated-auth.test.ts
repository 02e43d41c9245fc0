/**
 * Delegated authn/authz of the controller manager's port with a scripted
 * API server: always-allowed paths skip both reviews, bad tokens get 401,
 * anonymous and unauthorized users 403 with upstream's message, reviews
 * are cached for 10 s on the injected clock.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { FakeClock } from "../client/clock.ts";
import { delegatedAuth } from "./delegated-auth.ts";
import { serveControllerManagerMetrics, type MetricsEndpoint } from "./metrics-server.ts";

const clock = new FakeClock();
const asked: string[] = [];
/**
 * The API server: token "good" is user "prom" in group "system:monitoring",
 * who may get /metrics; token "admin" (system:masters) may get anything.
 */
const client = {
  async request<T>(_method: string, path: string, opts?: { body?: unknown }): Promise<T> {
    const body = opts?.body as { spec: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (path.endsWith("/tokenreviews")) {
      asked.push(`token:${body.spec.token}`);
      const users: Record<string, { username: string; groups: string[] }> = {
        good: { username: "prom", groups: ["system:monitoring"] },
        admin: { username: "admin", groups: ["system:masters"] },
      };
      const user = users[body.spec.token];
      return { status: user ? { authenticated: true, user } : { authenticated: false } } as T;
    }
    const { user, groups, nonResourceAttributes: a } = body.spec;
    asked.push(`sar:${user}:${a.verb}:${a.path}`);
    const allowed =
      groups.includes("system:masters") ||
      (groups.includes("system:monitoring") && a.path === "/metrics");
    return { status: { allowed } } as T;
  },
};

let endpoint: MetricsEndpoint;
before(async () => {
  endpoint = await serveControllerManagerMetrics({
    host: "127.0.0.1",
    port: 0,
    authorize: delegatedAuth({ client: client as never, clock }),
  });
});
after(() => endpoint.close());

function get(path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(
      {
        host: "127.0.0.1",
        port: endpoint.port,
        path,
        rejectUnauthorized: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    )
      .on("error", reject)
      .end();
  });
}

test("who may read what on the controller manager's port", async () => {
  const rows: [string, string, string | undefined, number, string[]][] = [
    ["healthz is always allowed", "/healthz", undefined, 200, []],
    ["readyz too, even with a bad token", "/readyz", "bad", 200, []],
    ["anonymous metrics", "/metrics", undefined, 403, ["sar:system:anonymous:get:/metrics"]],
    ["bad token", "/metrics", "bad", 401, ["token:bad"]],
    ["monitoring user", "/metrics", "good", 200, ["token:good", "sar:prom:get:/metrics"]],
    ["cached for 10 s", "/metrics", "good", 200, []],
    ["monitoring user, other path", "/debug/pprof", "good", 403, ["sar:prom:get:/debug/pprof"]],
    ["authorized, unknown path", "/nope", "admin", 404, ["token:admin", "sar:admin:get:/nope"]],
  ];
  for (const [what, path, token, status, reviews] of rows) {
    asked.length = 0;
    const res = await get(path, token);
    assert.equal(res.status, status, what);
    assert.deepEqual(asked, reviews, what);
    if (status === 403)
      assert.equal(
        JSON.parse(res.body).message,
        `forbidden: User "${reviews[0]!.split(":").slice(1, -2).join(":")}" cannot get path "${path}"`,
        what,
      );
  }
  clock.advance(10_000);
  asked.length = 0;
  assert.equal((await get("/metrics", "good")).status, 200);
  assert.deepEqual(asked, ["token:good", "sar:prom:get:/metrics"], "asked again after 10 s");
  assert.match((await get("/metrics", "good")).body, /^process_cpu_seconds_total /m);
});

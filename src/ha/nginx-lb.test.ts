/**
 * The nginx stream configuration: its text by table, and Debian's nginx
 * accepting it (`nginx -t`) with the stream module loaded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { nginxStreamConfig } from "./nginx-lb.ts";

const run = promisify(execFile);

test("nginxStreamConfig lists every server and passes TLS through", () => {
  const base = { listen: "127.0.0.1:7443", pidFile: "/x/nginx.pid", errorLog: "/x/error.log" };
  const cases: { name: string; opts: Parameters<typeof nginxStreamConfig>[0]; want: RegExp[] }[] = [
    {
      name: "three servers on their own addresses",
      opts: { ...base, servers: ["https://127.0.0.2:6443", "https://127.0.0.3:6443"] },
      want: [
        /^load_module \/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;$/m,
        /^ {6}server 127\.0\.0\.2:6443 max_fails=1 fail_timeout=10s;$/m,
        /^ {6}server 127\.0\.0\.3:6443 /m,
        /^ {4}listen 127\.0\.0\.1:7443;$/m,
        /^ {4}proxy_next_upstream on;$/m,
      ],
    },
    {
      name: "IPv6, built-in module, own fail timeout",
      opts: {
        ...base,
        servers: ["https://[fd00::1]:6443"],
        streamModule: null,
        failTimeoutSeconds: 3,
      },
      want: [
        /^ {6}server \[fd00::1\]:6443 max_fails=1 fail_timeout=3s;$/m,
        /^(?![\s\S]*load_module)/,
      ],
    },
  ];
  for (const c of cases)
    for (const re of c.want) assert.match(nginxStreamConfig(c.opts), re, c.name);
  assert.throws(() => nginxStreamConfig({ ...base, servers: [] }), /no API servers/);
});

test("Debian's nginx accepts the configuration", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-nginx-"));
  try {
    const conf = join(dir, "nginx.conf");
    const errorLog = join(dir, "error.log");
    await writeFile(
      conf,
      nginxStreamConfig({
        servers: ["https://127.0.0.2:6443", "https://127.0.0.3:6443"],
        listen: "127.0.0.1:7443", // nginx -t checks, it does not listen
        pidFile: join(dir, "nginx.pid"),
        errorLog,
      }),
    );
    const r = await run("nginx", ["-t", "-c", conf, "-p", dir, "-e", errorLog]);
    assert.match(r.stderr, /syntax is ok/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

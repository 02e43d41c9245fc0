/** The admin kubeconfig names the server that wrote it: its own address and port. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { adminServerUrl } from "./admin-client.ts";

test("adminServerUrl: bind address (default 127.0.0.1), if a wildcard the advertise address, else 127.0.0.1; own port", () => {
  const cases: { at: Parameters<typeof adminServerUrl>[0]; want: string }[] = [
    { at: { port: 6443 }, want: "https://127.0.0.1:6443" },
    {
      at: { advertiseAddress: "10.42.0.1", port: 6443 },
      want: "https://127.0.0.1:6443",
    },
    { at: { bindAddress: "127.0.0.1", port: 6444 }, want: "https://127.0.0.1:6444" },
    {
      at: { bindAddress: "127.0.0.3", advertiseAddress: "10.0.0.3", port: 6443 },
      want: "https://127.0.0.3:6443",
    },
    {
      at: { bindAddress: "0.0.0.0", advertiseAddress: "127.0.0.4", port: 7000 },
      want: "https://127.0.0.4:7000",
    },
    { at: { bindAddress: "0.0.0.0", port: 6443 }, want: "https://127.0.0.1:6443" },
    {
      at: { bindAddress: "::", advertiseAddress: "fd00::3", port: 6443 },
      want: "https://[fd00::3]:6443",
    },
    { at: { bindAddress: "::1", port: 6445 }, want: "https://[::1]:6445" },
  ];
  for (const c of cases) assert.equal(adminServerUrl(c.at), c.want, JSON.stringify(c.at));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostExec } from "../host-exec.ts";
import { detectBackend } from "./iptables.ts";

/** A fake exec: `works` backends answer for POSTROUTING, `inUse` ones also hold KUBE-SERVICES. */
function fake(works: string[], inUse: string[]): HostExec {
  return async (cmd, args) => {
    const backend = cmd.replace(/^iptables-/, "");
    const chain = args[args.length - 1];
    const ok = chain === "KUBE-SERVICES" ? inUse.includes(backend) : works.includes(backend);
    return { code: ok ? 0 : 1, stdout: "", stderr: ok ? "" : "no" };
  };
}

test("detectBackend: the backend holding kube-proxy's chains, else nft, else legacy, else default", async () => {
  const cases: { name: string; works: string[]; inUse: string[]; want: string }[] = [
    { name: "fresh node with both", works: ["legacy", "nft"], inUse: [], want: "nft" },
    {
      name: "rules already in legacy",
      works: ["legacy", "nft"],
      inUse: ["legacy"],
      want: "legacy",
    },
    { name: "rules already in nft", works: ["legacy", "nft"], inUse: ["nft"], want: "nft" },
    { name: "rules in both: nft", works: ["legacy", "nft"], inUse: ["legacy", "nft"], want: "nft" },
    { name: "no nf_tables", works: ["legacy"], inUse: [], want: "legacy" },
    { name: "neither works", works: [], inUse: [], want: "default" },
  ];
  for (const c of cases) {
    assert.equal(await detectBackend(fake(c.works, c.inUse)), c.want, c.name);
  }
});

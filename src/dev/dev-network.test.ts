import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostExec } from "../proxy/host-exec.ts";
import { createDevNetwork } from "./dev-network.ts";
import { planDevCluster } from "./dev-plan.ts";

/** Records commands; fails the one matching `failOn`. */
function recorder(failOn?: RegExp): { exec: HostExec; calls: string[] } {
  const calls: string[] = [];
  const exec: HostExec = async (cmd, args) => {
    const line = [cmd, ...args].join(" ");
    calls.push(line);
    return failOn?.test(line)
      ? { code: 2, stdout: "", stderr: "RTNETLINK answers: File exists" }
      : { code: 0, stdout: "", stderr: "" };
  };
  return { exec, calls };
}

// Names no test machine has, so the "already exists" check passes.
const plan = planDevCluster({ name: "unit-zq9x", nodes: 2, stateDir: "/nonexistent" });

test("every namespace gets its unreachable routes before any link or address", async () => {
  const { exec, calls } = recorder();
  await createDevNetwork(plan, exec);
  for (const ns of ["k8ts-unit-zq9x-hub", "k8ts-unit-zq9x-n1", "k8ts-unit-zq9x-n2"]) {
    const added = calls.indexOf(`ip netns add ${ns}`);
    const routes = [
      calls.indexOf(`ip -n ${ns} route replace unreachable 10.42.0.0/16`),
      calls.indexOf(`ip -n ${ns} route replace unreachable 10.43.0.0/16`),
    ];
    assert.ok(added >= 0 && routes.every((i) => i > added), `${ns}: ${calls.join("\n")}`);
    const firstOther = calls.findIndex(
      (c, i) => i > added && c.includes(ns) && !c.includes("unreachable"),
    );
    assert.ok(
      routes.every((i) => i < firstOther),
      `${ns} routes come first:\n${calls.join("\n")}`,
    );
  }
});

test("nodes are wired to the hub bridge with their own address and forwarding", async () => {
  const { exec, calls } = recorder();
  await createDevNetwork(plan, exec);
  const want = [
    "ip -n k8ts-unit-zq9x-hub link add br0 type bridge",
    "ip link add name eth0 netns k8ts-unit-zq9x-n1 type veth peer name n1 netns k8ts-unit-zq9x-hub",
    "ip -n k8ts-unit-zq9x-hub link set n1 master br0",
    "ip -n k8ts-unit-zq9x-n1 addr add 172.29.0.11/24 dev eth0",
    "ip -n k8ts-unit-zq9x-n2 addr add 172.29.0.12/24 dev eth0",
    "ip netns exec k8ts-unit-zq9x-n2 sysctl -q -w net.ipv4.ip_forward=1",
  ];
  for (const w of want) assert.ok(calls.includes(w), `missing ${w}:\n${calls.join("\n")}`);
  // Nothing is ever done to the host's own namespace besides creating namespaces and veths in them.
  for (const c of calls)
    assert.match(
      c,
      /^ip (-n k8ts-unit-zq9x-|netns (add|exec) k8ts-unit-zq9x-|link add name eth0 netns k8ts-unit-zq9x-)/,
    );
});

test("the first failing command stops creation with its error", async () => {
  const { exec, calls } = recorder(/veth peer name n2/);
  await assert.rejects(createDevNetwork(plan, exec), /File exists/);
  assert.ok(!calls.some((c) => c.includes("172.29.0.12")), calls.join("\n"));
});

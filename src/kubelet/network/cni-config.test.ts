import { test } from "node:test";
import assert from "node:assert/strict";
import { cniConfList } from "./cni-config.ts";
import { containerdConfig } from "../runtime/cri/containerd.ts";

test("the CNI conflist chains bridge (host-local on the podCIDR) and portmap", () => {
  const c = cniConfList({
    confDir: "/x",
    networkName: "k8ts-n",
    bridge: "k8ts0",
    podCIDR: "10.42.7.0/24",
    ipamDataDir: "/d/ipam",
  }) as any;
  assert.equal(c.cniVersion, "1.0.0");
  assert.deepEqual(
    c.plugins.map((p: any) => p.type),
    ["bridge", "portmap"],
  );
  assert.equal(c.plugins[0].bridge, "k8ts0");
  assert.equal(c.plugins[0].isGateway, true);
  assert.equal(c.plugins[0].ipMasq, false);
  assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: "10.42.7.0/24" }]]);
  assert.equal(c.plugins[0].ipam.dataDir, "/d/ipam");
  assert.deepEqual(c.plugins[1].capabilities, { portMappings: true });
});

test("containerd's config carries the settings this machine needs", () => {
  const toml = containerdConfig({
    dir: "/k/containerd",
    cniConfDir: "/k/cni",
    sandboxImage: "registry.k8s.io/pause:3.10",
  });
  const want = [
    'root = "/k/containerd/root"',
    'state = "/k/containerd/state"',
    'address = "/k/containerd/containerd.sock"',
    'sandbox_image = "registry.k8s.io/pause:3.10"',
    "restrict_oom_score_adj = true",
    "netns_mounts_under_state_dir = true",
    'bin_dir = "/usr/lib/cni"',
    'conf_dir = "/k/cni"',
    "SystemdCgroup = false",
  ];
  for (const line of want) assert.ok(toml.includes(line), line);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { initialClusterFor, type MemberInfo } from "./etcd-membership.ts";

const m = (name: string, peer: string): MemberInfo => ({
  id: name || "x",
  name,
  peerURLs: [peer],
  clientURLs: [],
  isLearner: false,
});

test("initialClusterFor names every started member and the joining one", () => {
  const cases: { members: MemberInfo[]; want: string }[] = [
    {
      members: [m("s1", "https://a:1"), m("", "https://b:2")],
      want: "s1=https://a:1,s2=https://b:2",
    },
    { members: [m("s1", "https://a:1")], want: "s1=https://a:1,s2=https://b:2" },
    {
      // Another member added but not started yet is left out, as etcd does.
      members: [m("s1", "https://a:1"), m("", "https://c:3"), m("", "https://b:2")],
      want: "s1=https://a:1,s2=https://b:2",
    },
  ];
  for (const c of cases) assert.equal(initialClusterFor(c.members, "s2", "https://b:2"), c.want);
});

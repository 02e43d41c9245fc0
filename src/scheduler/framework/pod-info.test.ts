import assert from "node:assert/strict";
import { test } from "node:test";
import { makePod } from "../testing/wrappers.ts";
import { PodInfo } from "./pod-info.ts";

const lists = (pi: PodInfo) => [
  pi.requiredAffinityTerms,
  pi.requiredAntiAffinityTerms,
  pi.preferredAffinityTerms,
  pi.preferredAntiAffinityTerms,
  pi.hostPorts,
  pi.parseErrors,
];

test("pods without terms, host ports or parse errors share one frozen empty list", () => {
  const a = new PodInfo(makePod("a").obj());
  const b = new PodInfo(makePod("b").req({ cpu: "1" }).obj());
  const empty = a.hostPorts;
  for (const list of [...lists(a), ...lists(b)]) {
    assert.equal(list, empty);
    assert.equal(list.length, 0);
    assert.ok(Object.isFrozen(list));
  }
});

test("pods with terms, host ports or parse errors get their own lists", () => {
  const term = { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "zone" };
  const pod = makePod("web")
    .hostPort(8080)
    .spec({
      affinity: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term }],
        },
      },
    })
    .obj();
  const pi = new PodInfo(pod);
  assert.deepEqual(pi.hostPorts, [{ protocol: "TCP", hostIP: "0.0.0.0", port: 8080 }]);
  assert.equal(pi.requiredAffinityTerms.length, 1);
  assert.equal(pi.requiredAffinityTerms[0]!.topologyKey, "zone");
  assert.equal(pi.preferredAntiAffinityTerms[0]!.weight, 5);
  assert.equal(pi.requiredAntiAffinityTerms.length, 0);
  assert.equal(pi.parseErrors.length, 0);
  assert.ok(pi.hasAffinity());

  const bad = {
    labelSelector: { matchExpressions: [{ key: "a", operator: "Bogus" }] },
    topologyKey: "zone",
  };
  const broken = new PodInfo(
    makePod("broken")
      .spec({
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [bad] } },
      })
      .obj(),
  );
  assert.equal(broken.parseErrors.length, 1);
  assert.equal(broken.requiredAntiAffinityTerms.length, 0);
  assert.ok(!Object.isFrozen(broken.parseErrors));
});

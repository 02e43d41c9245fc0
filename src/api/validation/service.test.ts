import { test } from "node:test";
import type { KObject } from "../types.ts";
import { assertErrors, createErrors, updateErrors, type Expect } from "./testing.ts";

type Mutate = (o: any) => void;

function svc(mutate: Mutate = () => {}): KObject {
  const o: any = {
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
  };
  mutate(o);
  return o;
}

test("service validation", () => {
  const cases: [string, Mutate, Expect][] = [
    ["valid", () => {}, []],
    ["headless without ports", (o) => ((o.spec.ports = []), (o.spec.clusterIP = "None")), []],
    [
      "ExternalName without ports",
      (o) => (o.spec = { type: "ExternalName", externalName: "example.com." }),
      [],
    ],
    ["ports required", (o) => (o.spec.ports = []), [["spec.ports", "Required value"]]],
    [
      "name is a DNS-1035 label",
      (o) => (o.metadata.name = "1web"),
      [
        [
          "metadata.name",
          /^Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/,
        ],
      ],
    ],
    [
      "port range",
      (o) => (o.spec.ports[0].port = 0),
      [
        ["spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"],
        ["spec.ports[0].targetPort", "Invalid value: 0: must be between 1 and 65535, inclusive"],
      ],
    ],
    [
      "names required with several ports",
      (o) => o.spec.ports.push({ port: 81, name: "b" }),
      [["spec.ports[0].name", "Required value"]],
    ],
    [
      "duplicate port names",
      (o) =>
        (o.spec.ports = [
          { port: 80, name: "a" },
          { port: 81, name: "a" },
        ]),
      [["spec.ports[1].name", 'Duplicate value: "a"']],
    ],
    [
      "bad type",
      (o) => (o.spec.type = "Magic"),
      [
        [
          "spec.type",
          'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        ],
      ],
    ],
    [
      "bad targetPort name",
      (o) => (o.spec.ports[0].targetPort = "HTTP_PORT"),
      [
        [
          "spec.ports[0].targetPort",
          'Invalid value: "HTTP_PORT": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        ],
        [
          "spec.ports[0].targetPort",
          'Invalid value: "HTTP_PORT": must contain at least one letter (a-z)',
        ],
      ],
    ],
    [
      "nodePort on ClusterIP",
      (o) => (o.spec.ports[0].nodePort = 30080),
      [["spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'"]],
    ],
    [
      "ExternalName needs a name",
      (o) => (o.spec = { type: "ExternalName" }),
      [["spec.externalName", "Required value"]],
    ],
  ];
  for (const [name, mutate, want] of cases)
    assertErrors(createErrors("", "services", svc(mutate)), want, name);
});

test("cluster IPs may not change once set; omitted ones carry over", () => {
  const old = svc((o) => ((o.spec.clusterIP = "10.43.0.10"), (o.spec.clusterIPs = ["10.43.0.10"])));
  createErrors("", "services", old);
  const changed = svc(
    (o) => ((o.spec.clusterIP = "10.43.0.11"), (o.spec.clusterIPs = ["10.43.0.11"])),
  );
  assertErrors(
    updateErrors("", "services", changed, old),
    [["spec.clusterIPs[0]", 'Invalid value: []string{"10.43.0.11"}: may not change once set']],
    "change",
  );
  const omitted: any = svc();
  assertErrors(updateErrors("", "services", omitted, old), [], "omitted");
  if (omitted.spec.clusterIP !== "10.43.0.10") throw new Error("clusterIP not carried over");
});

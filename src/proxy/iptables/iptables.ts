/**
 * The proxier's access to iptables: the jumps from the built-in chains into
 * its own (ensured with -C/-I as upstream does, since iptables-restore
 * cannot test for a rule), one-batch restores, the chains present now, and
 * a full cleanup.
 */
import { isServiceChain } from "./chain-names.ts";
import { mustExec, type HostExec } from "../host-exec.ts";

interface Jump {
  table: "nat" | "filter";
  from: string;
  to: string;
  comment: string;
  extra?: string[];
}

const newOnly = ["-m", "conntrack", "--ctstate", "NEW"];

/** The jumps from built-in chains, in upstream's order and comments. */
export const jumps: readonly Jump[] = [
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-PROXY-FIREWALL",
    comment: "kubernetes load balancer firewall",
    extra: newOnly,
  },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-NODEPORTS",
    comment: "kubernetes health check service ports",
  },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-EXTERNAL-SERVICES",
    comment: "kubernetes externally-visible service portals",
    extra: newOnly,
  },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-PROXY-FIREWALL",
    comment: "kubernetes load balancer firewall",
    extra: newOnly,
  },
  { table: "filter", from: "FORWARD", to: "KUBE-FORWARD", comment: "kubernetes forwarding rules" },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-SERVICES",
    comment: "kubernetes service portals",
    extra: newOnly,
  },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-EXTERNAL-SERVICES",
    comment: "kubernetes externally-visible service portals",
    extra: newOnly,
  },
  {
    table: "filter",
    from: "OUTPUT",
    to: "KUBE-PROXY-FIREWALL",
    comment: "kubernetes load balancer firewall",
    extra: newOnly,
  },
  {
    table: "filter",
    from: "OUTPUT",
    to: "KUBE-SERVICES",
    comment: "kubernetes service portals",
    extra: newOnly,
  },
  { table: "nat", from: "OUTPUT", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  { table: "nat", from: "PREROUTING", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  {
    table: "nat",
    from: "POSTROUTING",
    to: "KUBE-POSTROUTING",
    comment: "kubernetes postrouting rules",
  },
];

const ownChains: Record<"nat" | "filter", string[]> = {
  nat: ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"],
  filter: [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-FORWARD",
    "KUBE-NODEPORTS",
    "KUBE-PROXY-FIREWALL",
  ],
};

/** The nat and filter chains in iptables-save output. */
function parseChains(save: string): Record<"nat" | "filter", Set<string>> {
  const out = { nat: new Set<string>(), filter: new Set<string>() };
  let table: Set<string> | undefined;
  for (const line of save.split("\n")) {
    if (line.startsWith("*"))
      table = line === "*nat" ? out.nat : line === "*filter" ? out.filter : undefined;
    else if (line.startsWith(":")) table?.add(line.slice(1).split(" ")[0]!);
  }
  return out;
}

/** A jump as iptables-save prints it (the comment quoted). */
export function jumpLine(j: Jump): string {
  const extra = j.extra ? `${j.extra.join(" ")} ` : "";
  return `-A ${j.from} ${extra}-m comment --comment "${j.comment}" -j ${j.to}`;
}

function jumpSpec(j: Jump): string[] {
  return [...(j.extra ?? []), "-m", "comment", "--comment", j.comment, "-j", j.to];
}

/**
 * Which iptables implementation holds the rules. "nft" (iptables-nft,
 * the system default here, the one CNI plugins use) applies a restore as a
 * per-chain netlink transaction: a partial sync at 10,000 services costs
 * tens of milliseconds, where iptables-legacy-restore replaces the whole
 * table (0.6-1 s). Its full syncs are slower (its restore looks chains up
 * in sorted lists), which upstream's hourly full sync keeps rare.
 * "default" is whatever `iptables` is on the PATH.
 */
export type IptablesBackend = "legacy" | "nft" | "default";

/**
 * Picks the backend as upstream's iptables-wrapper does: the one that
 * already holds kube-proxy's chains (a restarted proxy keeps its tables),
 * else nft when its nat table works here, else legacy, else the default.
 */
export async function detectBackend(exec: HostExec): Promise<IptablesBackend> {
  const has = async (b: "legacy" | "nft") => {
    const res = await exec(`iptables-${b}`, ["-w", "-t", "nat", "-S", "KUBE-SERVICES"]);
    return res.code === 0;
  };
  const works = async (b: "legacy" | "nft") =>
    (await exec(`iptables-${b}`, ["-w", "-t", "nat", "-S", "POSTROUTING"])).code === 0;
  const [legacyInUse, nftInUse] = [await has("legacy"), await has("nft")];
  if (legacyInUse && !nftInUse) return "legacy";
  if (await works("nft")) return "nft";
  if (await works("legacy")) return "legacy";
  return "default";
}

export class Iptables {
  private readonly suffix: string;

  constructor(
    private readonly exec: HostExec,
    readonly backend: IptablesBackend = "default",
  ) {
    this.suffix = backend === "default" ? "" : `-${backend}`;
  }

  private cmd(tool: "" | "-restore" | "-save"): string {
    return `iptables${this.suffix}${tool}`;
  }

  /**
   * Creates the top-level chains and the jumps into them (idempotent);
   * returns the per-service nat chains that exist. One iptables-save reads
   * both (with iptables-nft each save fetches the whole ruleset: seconds at
   * 80,000 rules); a jump the save shows verbatim needs no `-C` check.
   */
  async ensureJumps(): Promise<Set<string>> {
    const save = await mustExec(this.exec, this.cmd("-save"), []);
    const have = parseChains(save);
    const lines = new Set(save.split("\n"));
    // Declaring flushes; only do it for chains that are missing.
    for (const t of ["filter", "nat"] as const) {
      const missing = ownChains[t].filter((c) => !have[t].has(c));
      if (missing.length === 0) continue;
      await this.restore(
        [`*${t}`, ...missing.map((c) => `:${c} - [0:0]`), "COMMIT", ""].join("\n"),
      );
    }
    // -I prepends: insert in reverse so the chains read in the listed order.
    for (const j of [...jumps].reverse()) {
      if (lines.has(jumpLine(j))) continue;
      const check = await this.exec(this.cmd(""), [
        "-w",
        "-t",
        j.table,
        "-C",
        j.from,
        ...jumpSpec(j),
      ]);
      if (check.code === 0) continue;
      await mustExec(this.exec, this.cmd(""), ["-w", "-t", j.table, "-I", j.from, ...jumpSpec(j)]);
    }
    return new Set([...have.nat].filter(isServiceChain));
  }

  /** Applies one restore batch without flushing what it does not name. */
  async restore(input: string): Promise<void> {
    await mustExec(this.exec, this.cmd("-restore"), ["-w", "--noflush"], input);
  }

  /** The chains of each table now in the kernel (one iptables-save). */
  async chains(): Promise<Record<"nat" | "filter", Set<string>>> {
    return parseChains(await mustExec(this.exec, this.cmd("-save"), []));
  }

  /** The per-service nat chains now in the kernel. */
  async serviceChains(): Promise<Set<string>> {
    return new Set([...(await this.chains()).nat].filter(isServiceChain));
  }

  /** Removes every jump, chain and rule this proxier creates (`k8ts proxy --cleanup`). */
  async cleanup(): Promise<void> {
    for (const j of jumps) {
      for (;;) {
        const res = await this.exec(this.cmd(""), [
          "-w",
          "-t",
          j.table,
          "-D",
          j.from,
          ...jumpSpec(j),
        ]);
        if (res.code !== 0) break;
      }
    }
    const have = await this.chains();
    for (const t of ["filter", "nat"] as const) {
      const mine = [...have[t]].filter(
        (c) => ownChains[t].includes(c) || (t === "nat" && isServiceChain(c)),
      );
      if (mine.length === 0) continue;
      const lines = [
        `*${t}`,
        ...mine.map((c) => `:${c} - [0:0]`),
        ...mine.map((c) => `-X ${c}`),
        "COMMIT",
        "",
      ];
      await this.restore(lines.join("\n"));
    }
  }
}

/** Shared by the etcd benches (bench/etcd-client.ts, bench/etcd-keyed-list.ts). */

/**
 * `--flag N` / `--flag=N` numeric flags over `defaults` (kebab-case flags to
 * camelCase keys); every value a safe integer ≥ min. Unknown flags throw.
 */
export function parseNumberFlags<T extends { [K in keyof T]: number }>(
  argv: string[],
  defaults: T,
  min: number,
): T {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2);
    const name = flag!.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (!(name in out)) throw new Error(`unknown flag ${flag}`);
    const value = Number(inline ?? argv[++i]);
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`bad value for ${flag}`);
    (out as Record<string, number>)[name] = value;
  }
  return out;
}

/** A pod-like JSON value of about n bytes (generation gen). */
export function podValue(name: string, n: number, gen: number): string {
  const base = {
    kind: "Pod",
    apiVersion: "v1",
    metadata: { name, namespace: "bench", uid: `uid-${name}`, generation: gen, labels: { a: "b" } },
    spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
    status: { phase: "Running", filler: "" },
  };
  base.status.filler = "x".repeat(Math.max(0, n - JSON.stringify(base).length));
  return JSON.stringify(base);
}

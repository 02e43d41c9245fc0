/**
 * /healthz, /livez and /readyz with upstream's output: "ok", or with
 * ?verbose one "[+]name ok" / "[-]name failed: reason withheld" line per
 * check followed by "<endpoint> check passed|failed". /readyz/<check>
 * runs one check; ?exclude=<check> skips checks.
 */
export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or resolves to an error string) when not. */
  check(): Promise<void | string>;
}

export interface HealthResult {
  code: number;
  body: string;
}

/** Evaluates `checks` for endpoint ("healthz" | "livez" | "readyz"); `only` names one check. */
export async function runHealthChecks(
  endpoint: string,
  checks: HealthCheck[],
  query: URLSearchParams,
  only?: string,
): Promise<HealthResult> {
  const excluded = new Set(query.getAll("exclude"));
  const selected = only
    ? checks.filter((c) => c.name === only)
    : checks.filter((c) => !excluded.has(c.name));
  if (only && selected.length === 0) return { code: 404, body: "404 page not found\n" };
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        const problem = await c.check();
        return { name: c.name, ok: !problem };
      } catch {
        return { name: c.name, ok: false };
      }
    }),
  );
  const failed = results.some((r) => !r.ok);
  const verbose = query.has("verbose") || failed;
  if (only) {
    return failed
      ? { code: 500, body: "internal server error: check failed\n" }
      : { code: 200, body: "ok" };
  }
  if (!verbose) return { code: 200, body: "ok" };
  const lines = results.map((r) =>
    r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`,
  );
  for (const name of excluded) lines.push(`[+]${name} excluded: ok`);
  lines.push(failed ? `${endpoint} check failed` : `${endpoint} check passed`);
  return { code: failed ? 500 : 200, body: lines.join("\n") + "\n" };
}

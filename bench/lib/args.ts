import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Options every benchmark accepts. */
export interface BenchArgs {
  /** --json FILE: also write the figures as JSON to FILE. */
  json?: string;
  /** --quick: a much smaller run, for smoke-testing the benchmark itself. */
  quick: boolean;
}

/** Parses a benchmark's command line (default: process.argv.slice(2)); throws on unknown flags. */
export function parseBenchArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  const args: BenchArgs = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") {
      const file = argv[++i];
      if (!file) throw new Error("Cannot parse --json: a file name must follow");
      args.json = file;
    } else if (a.startsWith("--json=")) {
      args.json = a.slice("--json=".length);
    } else if (a === "--quick") {
      args.quick = true;
    } else {
      throw new Error(`Cannot parse argument ${a}: expected --json FILE or --quick`);
    }
  }
  return args;
}

/**
 * The value after the first `--name` in argv (`--name VALUE` or
 * `--name=VALUE`); fallback when the flag is absent or no value follows.
 * The next argument is the value whatever it is (`--server-node-arg
 * --max-semi-space-size=16`).
 * For the benchmarks' own flags, beside parseBenchArgs's shared ones.
 */
export function flag(name: string, fallback: string, argv?: readonly string[]): string;
export function flag(name: string, fallback?: string, argv?: readonly string[]): string | undefined;
export function flag(
  name: string,
  fallback?: string,
  argv: readonly string[] = process.argv.slice(2),
): string | undefined {
  return flags(name, argv)[0] ?? fallback;
}

/** Every value given to a repeatable `--name VALUE` (or `--name=VALUE`), in order. */
export function flags(name: string, argv: readonly string[] = process.argv.slice(2)): string[] {
  const out: string[] = [];
  const long = `--${name}`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`${long}=`)) out.push(a.slice(long.length + 1));
    else if (a === long && argv[i + 1]) out.push(argv[++i]!);
  }
  return out;
}

/** Writes data as indented JSON to file (creating its folder) when file is set. */
export async function writeJson(file: string | undefined, data: unknown): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(data, null, 2) + "\n");
}

/** Writes one progress line to stderr, keeping stdout for the result table. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[${bench}] ${message}\n`);
}

/**
 * The `yaml` package, loaded on first use. Importing it costs ~100 ms of CPU
 * (its ~80 CommonJS files), which `k8ts server` paid during start-up although
 * only configuration files given by flags, and YAML requests later, need it.
 * Synchronous, for parsers called from synchronous code.
 */
import { createRequire } from "node:module";

let loaded: typeof import("yaml") | undefined;

/** The yaml module (the same instance an `import "yaml"` gets). */
export function yaml(): typeof import("yaml") {
  return (loaded ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));
}

/** yaml's `parse` (JSON is YAML: callers may hand it either). */
export function parseYaml(text: string): unknown {
  return yaml().parse(text);
}

/**
 * A JSON or YAML document: JSON.parse first (the text of generated
 * configuration files is JSON), yaml only for what is not JSON.
 */
export function parseJsonOrYaml(text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow style ({a: 1}) is not JSON.
    }
  }
  return parseYaml(text);
}

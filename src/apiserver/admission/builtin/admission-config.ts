/**
 * --admission-control-config-file: an AdmissionConfiguration
 * (apiserver.config.k8s.io/v1, YAML or JSON) giving plugins their
 * configuration inline (`configuration`) or in a file (`path`, relative to
 * the configuration file).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseYaml as parse } from "../../../util/yaml-on-use.ts";

type PluginEntry = { name?: string; path?: string; configuration?: unknown };

/** Plugin name → its configuration object. Throws with the file name on bad input. */
export function readAdmissionConfig(file: string): Map<string, unknown> {
  const text = readFileSync(file, "utf8");
  let doc: { kind?: string; plugins?: PluginEntry[] };
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new Error(`Cannot read admission configuration ${file}: ${(err as Error).message}`);
  }
  if (doc.kind !== undefined && doc.kind !== "AdmissionConfiguration")
    throw new Error(
      `Cannot read admission configuration ${file}: kind ${doc.kind} is not AdmissionConfiguration`,
    );
  const out = new Map<string, unknown>();
  for (const p of doc.plugins ?? []) {
    if (!p.name) continue;
    if (p.configuration !== undefined) out.set(p.name, p.configuration);
    else if (p.path) out.set(p.name, parse(readFileSync(resolve(dirname(file), p.path), "utf8")));
  }
  return out;
}

/**
 * Repeated mapping keys in a YAML request body. Upstream decodes YAML with a
 * strict YAML decoder first, so a repeated key is reported with its line as
 *
 *   yaml: unmarshal errors:
 *     line 5: key "other" already set in map
 *
 * (JSON bodies report `duplicate field "<path>"` instead; see duplicate-fields.ts).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/**
 * One `line N: key "k" already set in map` entry per repeated key, in
 * document order (N is the 1-based line of the repeat). Text that does not
 * parse as YAML yields [] (the decoder reports that error instead).
 */
export function findDuplicateYAMLKeys(text: string): string[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (doc.errors.length > 0) return [];
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : JSON.stringify(key);
        if (seen.has(name)) {
          const line = key?.range ? lineCounter.linePos(key.range[0]).line : 0;
          out.push(`line ${line}: key ${JSON.stringify(name)} already set in map`);
        }
        seen.add(name);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return out;
}

/** The upstream error text for the entries of findDuplicateYAMLKeys. */
export function yamlDuplicateKeysError(entries: readonly string[]): string {
  return `yaml: unmarshal errors:\n  ${entries.join("\n  ")}`;
}

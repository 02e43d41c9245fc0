/**
 * One table's section of an `iptables-restore --noflush` input: one
 * transaction (iptables-nft-restore commits each COMMIT as its own netlink
 * batch; iptables-legacy-restore replaces the table once per COMMIT).
 */
export interface SectionParts {
  /** Chains to declare: created, or flushed when they exist. */
  chains?: readonly string[];
  /** Rule lines in order (`-A`, `-I`, `-D`); arrays are joined as they are. */
  lines?: readonly (readonly string[])[];
  /** Chains to delete (`-X`), after every rule line. */
  deletes?: readonly string[];
}

/**
 * Renders `*table`, the chain declarations, rule lines, deletions, COMMIT.
 * Declarations come in descending order: iptables-nft-restore inserts each
 * named chain into an ascending sorted list, walking from its head, so
 * descending declarations insert at the head (30,000 chains: 0.4 s instead
 * of 3 s). iptables-legacy-restore does not care.
 */
export function restoreSection(table: string, parts: SectionParts): string {
  const chains = [...(parts.chains ?? [])].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const out = [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`)];
  for (const l of parts.lines ?? []) if (l.length) out.push(l.join("\n"));
  for (const c of parts.deletes ?? []) out.push(`-X ${c}`);
  out.push("COMMIT", "");
  return out.join("\n");
}

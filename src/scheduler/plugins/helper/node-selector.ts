/**
 * v1.NodeSelector matching as upstream component-helpers nodeaffinity: terms
 * are ORed, a term's matchExpressions and matchFields are ANDed, a term with
 * neither matches nothing. matchFields supports metadata.name only.
 *
 * compileNodeSelector turns a selector into a matcher over a node's labels
 * and name, parsed once (values into sets, Gt/Lt bounds into numbers), for
 * the hot Filter/Score paths that test one pod's selector against thousands
 * of nodes.
 */
import type {
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
} from "kubernetes-types/core/v1.d.ts";

/** Whether a node with these labels and this name matches (a compiled selector or term). */
export type NodeMatcher = (labels: Readonly<Record<string, string>>, name: string) => boolean;

/**
 * The label's value, or undefined when absent: one property read (a label is
 * always a string, so an inherited Object.prototype member is never taken
 * for one).
 */
function labelValue(labels: Readonly<Record<string, string>>, key: string): string | undefined {
  const v: unknown = labels[key];
  return typeof v === "string" ? v : undefined;
}
const never: NodeMatcher = () => false;

function parseInteger(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** A predicate over a value (undefined when the label or field is absent). */
function compileRequirement(r: NodeSelectorRequirement): (value: string | undefined) => boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In": {
      if (values.length === 1) {
        const only = values[0];
        return (v) => v !== undefined && v === only;
      }
      const set = new Set(values);
      return (v) => v !== undefined && set.has(v);
    }
    case "NotIn": {
      const set = new Set(values);
      return (v) => v === undefined || !set.has(v);
    }
    case "Exists":
      return (v) => v !== undefined;
    case "DoesNotExist":
      return (v) => v === undefined;
    case "Gt":
    case "Lt": {
      const want = values.length === 1 ? parseInteger(values[0]!) : undefined;
      if (want === undefined) return () => false;
      const gt = r.operator === "Gt";
      return (v) => {
        if (v === undefined) return false;
        const have = parseInteger(v);
        return have !== undefined && (gt ? have > want : have < want);
      };
    }
    default:
      return () => false;
  }
}

/** A term's matcher: every expression and field requirement must hold. */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return never;
  if (fields.some((f) => f.key !== "metadata.name")) return never;
  const labelChecks = exprs.map((r) => ({ key: r.key, test: compileRequirement(r) }));
  const nameChecks = fields.map(compileRequirement);
  if (labelChecks.length === 1 && nameChecks.length === 0) {
    const { key, test } = labelChecks[0]!;
    return (labels) => test(labelValue(labels, key));
  }
  return (labels, name) => {
    for (const { key, test } of labelChecks) if (!test(labelValue(labels, key))) return false;
    for (const test of nameChecks) if (!test(name)) return false;
    return true;
  };
}

/** A selector's matcher: any term may match (an empty term list matches nothing). */
export function compileNodeSelector(sel: NodeSelector): NodeMatcher {
  const terms = (sel.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm);
  if (terms.length === 0) return never;
  if (terms.length === 1) return terms[0]!;
  return (labels, name) => {
    for (const t of terms) if (t(labels, name)) return true;
    return false;
  };
}

const labelsOf = (node: Node) => node.metadata?.labels ?? {};

export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  return compileNodeSelectorTerm(term)(labelsOf(node), node.metadata?.name ?? "");
}

/** Whether any term of the selector matches the node (an empty term list matches nothing). */
export function nodeSelectorMatches(sel: NodeSelector, node: Node): boolean {
  return compileNodeSelector(sel)(labelsOf(node), node.metadata?.name ?? "");
}

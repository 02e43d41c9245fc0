/**
 * CEL's optional syntax (`x.?f`, `x[?k]`), which @bufbuild/cel 0.6.1 does
 * not parse, as plain calls the Kubernetes environment implements:
 *
 * 1. `rewriteOptionalSyntax` rewrites the text before parsing (string
 *    literals and comments untouched): `.?f` → `.@optSelect("f")` spelled
 *    with a parseable method name, `[?k]` → `.<optIndex>(k)`. A position map
 *    translates columns in the rewritten text back to the original.
 * 2. `chainOptionals` then rewrites the parsed AST so a plain field
 *    selection or index on an optional-producing expression (`x.?a.b`,
 *    `x.?a[0]`) stays optional, as cel-go: none stays none, a present value
 *    is selected normally (an error when absent).
 *
 * Optional list/map entries (`[?e]`, `{?k: v}`) become `k8sOptEntry__(e)` /
 * `{k8sOptEntry__(k): v}`, finished by optional-macros.ts.
 */
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";

/** Method names the rewrite produces (implemented in lib/optional.ts). */
export const OPT_SELECT = "k8sOptSelect__";
export const OPT_INDEX = "k8sOptIndex__";
export const OPT_CHAIN_SELECT = "k8sOptChainSelect__";
export const OPT_CHAIN_INDEX = "k8sOptChainIndex__";
/** Marks an optional list element or map entry (`[?e]`, `{?k: v}`). */
export const OPT_ENTRY = "k8sOptEntry__";

/** The rewritten text and, per rewritten offset, the original offset. */
export interface Rewritten {
  text: string;
  changed: boolean;
  /** Original offset of each rewritten offset (same length as text + 1). */
  origin: number[];
}

/** An open bracket while rewriting: what it opened and whether an optional entry awaits its `)`. */
interface Frame {
  kind: "list" | "map" | "index" | "optIndex" | "paren";
  /** An optional entry's `k8sOptEntry__(` is open and closes at the next `,`, `:` (maps) or closer. */
  entryOpen: boolean;
}

/** Whether `source` before `i` ends with an operand (so `[` indexes rather than opens a list). */
function afterOperand(source: string, i: number): boolean {
  return /[\w)\]}"']\s*$/.test(source.slice(0, i));
}

/** Whether position `i` starts an element of the innermost list or map literal. */
function atEntryStart(source: string, i: number, frame: Frame | undefined): boolean {
  if (!frame || (frame.kind !== "list" && frame.kind !== "map")) return false;
  return /[[{,]\s*$/.test(source.slice(0, i));
}

/**
 * Rewrites `.?f`, `[?k]` and optional entries `[?e]`, `{?k: v}` (see module
 * doc); unchanged text when none occurs.
 */
export function rewriteOptionalSyntax(source: string): Rewritten {
  if (!source.includes("?")) {
    return { text: source, changed: false, origin: [...Array(source.length + 1).keys()] };
  }
  let text = "";
  const origin: number[] = [];
  const emit = (s: string, at: number) => {
    text += s;
    for (let k = 0; k < s.length; k++) origin.push(at);
  };
  const frames: Frame[] = [];
  const top = () => frames[frames.length - 1];
  const closeEntry = (at: number) => {
    const f = top();
    if (f?.entryOpen) {
      emit(")", at);
      f.entryOpen = false;
    }
  };
  let changed = false;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"' || c === "'") {
      const triple = source.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < source.length && !source.startsWith(quote, j)) j += source[j] === "\\" ? 2 : 1;
      j = Math.min(source.length, j + quote.length);
      for (let k = i; k < j; k++) emit(source[k]!, k);
      i = j;
      continue;
    }
    if (c === "/" && source[i + 1] === "/") {
      const j = source.indexOf("\n", i);
      const end = j < 0 ? source.length : j;
      for (let k = i; k < end; k++) emit(source[k]!, k);
      i = end;
      continue;
    }
    if (c === "." && source[i + 1] === "?") {
      const m = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(source.slice(i + 2));
      if (m) {
        emit(`.${OPT_SELECT}(${JSON.stringify(m[0])})`, i);
        i += 2 + m[0].length;
        changed = true;
        continue;
      }
    }
    if (c === "?" && atEntryStart(source, i, top())) {
      emit(`${OPT_ENTRY}(`, i);
      top()!.entryOpen = true;
      changed = true;
      i++;
      continue;
    }
    if (c === "[") {
      if (afterOperand(source, i)) {
        const opt = /^\[\s*\?/.test(source.slice(i));
        frames.push({ kind: opt ? "optIndex" : "index", entryOpen: false });
        if (opt) {
          emit(`.${OPT_INDEX}(`, i);
          i = source.indexOf("?", i) + 1;
          changed = true;
          continue;
        }
      } else frames.push({ kind: "list", entryOpen: false });
    } else if (c === "{") frames.push({ kind: "map", entryOpen: false });
    else if (c === "(") frames.push({ kind: "paren", entryOpen: false });
    else if (c === "," || (c === ":" && top()?.kind === "map")) closeEntry(i);
    else if (c === "]" || c === "}" || c === ")") {
      closeEntry(i);
      if (frames.pop()?.kind === "optIndex") {
        emit(")", i);
        i++;
        continue;
      }
    }
    emit(c, i);
    i++;
  }
  origin.push(source.length);
  return { text, changed, origin };
}

const OPTIONAL_PRODUCERS = new Set([OPT_SELECT, OPT_INDEX, OPT_CHAIN_SELECT, OPT_CHAIN_INDEX]);

function producesOptional(e: Expr | undefined): boolean {
  return e?.exprKind.case === "callExpr" && OPTIONAL_PRODUCERS.has(e.exprKind.value.function);
}

/** Rewrites selections and indexes on optional values into chain calls, in place. */
export function chainOptionals(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr": {
      chainOptionals(k.value.operand);
      if (!k.value.testOnly && producesOptional(k.value.operand)) {
        const field: Expr = {
          $typeName: "cel.expr.Expr",
          id: e.id,
          exprKind: {
            case: "constExpr",
            value: {
              $typeName: "cel.expr.Constant",
              constantKind: { case: "stringValue", value: k.value.field },
            },
          },
        } as Expr;
        e.exprKind = {
          case: "callExpr",
          value: {
            $typeName: "cel.expr.Expr.Call",
            function: OPT_CHAIN_SELECT,
            target: k.value.operand,
            args: [field],
          },
        } as Expr["exprKind"];
      }
      return;
    }
    case "callExpr": {
      chainOptionals(k.value.target);
      k.value.args.forEach(chainOptionals);
      if (k.value.function === "_[_]" && !k.value.target && producesOptional(k.value.args[0])) {
        const [target, index] = k.value.args;
        k.value.function = OPT_CHAIN_INDEX;
        k.value.target = target;
        k.value.args = [index!];
      }
      return;
    }
    case "listExpr":
      k.value.elements.forEach(chainOptionals);
      return;
    case "structExpr":
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") chainOptionals(en.keyKind.value);
        chainOptionals(en.value);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].forEach(chainOptionals);
      return;
    }
    default:
      return;
  }
}

/**
 * The state of the evaluation in progress. CEL evaluation is synchronous, so
 * library functions find their evaluation's cost tracker and authorizer here;
 * `withEvalContext` sets it for one evaluation (nesting restores the outer one).
 */
import type { CostTracker } from "./cost.ts";

/** Attributes of one authorization check made by the CEL `authorizer` library. */
export interface AuthzCheck {
  /** Set when `authorizer.serviceAccount(ns, name)` switched the subject. */
  user?: string;
  verb: string;
  /** Non-resource request path, when the check is `authorizer.path(p)`. */
  path?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Selector texts of `.fieldSelector(s)` / `.labelSelector(s)` (authorizers may ignore them, as RBAC does). */
  fieldSelector?: string;
  labelSelector?: string;
}

/** Result of an authorization check, as upstream: decision plus reason or error. */
export interface AuthzDecision {
  decision: "allow" | "deny" | "noOpinion";
  reason?: string;
  error?: string;
}

/** Synchronous authorizer the `authorizer` library calls (callers pre-resolve or cache). */
export type CelAuthorizer = (check: AuthzCheck) => AuthzDecision;

/** What library functions may need during one evaluation. */
export interface EvalContext {
  tracker: CostTracker;
  authorizer?: CelAuthorizer;
}

let current: EvalContext | undefined;
/** Authorizer for evaluations that name none (set by withAuthorizer). */
let ambient: CelAuthorizer | undefined;

/**
 * Runs `fn` with `authorizer` answering the `authorizer` library in every
 * evaluation inside it that passes no EvalOptions.authorizer of its own.
 */
export function withAuthorizer<T>(authorizer: CelAuthorizer, fn: () => T): T {
  const outer = ambient;
  ambient = authorizer;
  try {
    return fn();
  } finally {
    ambient = outer;
  }
}

/** Runs `fn` with `ctx` as the evaluation context. */
export function withEvalContext<T>(ctx: EvalContext, fn: () => T): T {
  const outer = current;
  current = ctx;
  try {
    return fn();
  } finally {
    current = outer;
  }
}

/** Charges the current evaluation (no-op outside an evaluation). */
export function chargeCost(n: number): void {
  current?.tracker.charge(n);
}

/** The authorizer of the current evaluation, if any. */
export function currentAuthorizer(): CelAuthorizer | undefined {
  return current?.authorizer ?? ambient;
}

/**
 * The outcome of running a plugin, as upstream framework.Status: a code plus
 * human reasons. Expected outcomes (a node does not fit) are values, never
 * exceptions. A null/undefined Status means Success.
 */

/** Upstream framework.Code values. */
export enum Code {
  Success = 0,
  /** Internal error: the attempt is retried with backoff. */
  Error = 1,
  /** The pod does not fit here now; preemption may help. */
  Unschedulable = 2,
  /** The pod does not fit here and preemption cannot help. */
  UnschedulableAndUnresolvable = 3,
  /** Permit: wait for approval. */
  Wait = 4,
  /** PreFilter/PreScore/Bind: this plugin has nothing to do for the pod. */
  Skip = 5,
  /** Permit/PreBind: the pod is waiting for something outside the scheduler. */
  Pending = 6,
}

export class Status {
  /** Set by the framework: the plugin that returned this status. */
  plugin = "";

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly err?: Error,
  ) {}

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** Unschedulable or UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  message(): string {
    return this.err ? this.err.message : this.reasons.join(", ");
  }

  withPlugin(name: string): Status {
    this.plugin = name;
    return this;
  }
}

/** A Status, or null for Success (the cheap common case). */
export type MaybeStatus = Status | null;

export const success = (): MaybeStatus => null;
export const unschedulable = (...reasons: string[]): Status =>
  new Status(Code.Unschedulable, reasons);
export const unresolvable = (...reasons: string[]): Status =>
  new Status(Code.UnschedulableAndUnresolvable, reasons);
export const skip = (): Status => new Status(Code.Skip);
export const asStatus = (err: unknown): Status =>
  new Status(Code.Error, [], err instanceof Error ? err : new Error(String(err)));

/** True for null/undefined or Code.Success. */
export function isSuccess(s: MaybeStatus | undefined): boolean {
  return !s || s.code === Code.Success;
}

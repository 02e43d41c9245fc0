import type { Stall } from "./stalls.ts";

/** Sends this process's GC pauses and event-loop delays to fn instead of stderr. */
export function onStall(fn: (stall: Stall) => void): void;

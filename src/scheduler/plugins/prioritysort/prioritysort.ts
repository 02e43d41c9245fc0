/** PrioritySort: higher spec.priority first, then earlier queue timestamp. */
import type { QueueSortPlugin } from "../../framework/interfaces.ts";

export const Name = "PrioritySort";

export function newPrioritySort(): QueueSortPlugin {
  return {
    name: Name,
    less(a, b) {
      const pa = a.podInfo.priority;
      const pb = b.podInfo.priority;
      return pa > pb || (pa === pb && a.timestamp < b.timestamp);
    },
  } satisfies QueueSortPlugin;
}

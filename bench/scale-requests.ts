/**
 * Requests per pod, from the server's own apiserver_request_total counter:
 * two snapshots around a phase give, per verb and resource/subresource, how
 * many requests the whole cluster (controllers, scheduler, simulated
 * kubelets) sent for each pod created — e.g. pods/status PATCH and leases PUT
 * come from the kubelets alone. Counting and fetching are bench:controllers'
 * (controllers-requests.ts).
 */
import type { RequestCounts } from "./controllers-requests.ts";
import type { Row } from "./lib/table.ts";

export {
  fetchRequestCounts,
  parseRequestCounts,
  type RequestCounts,
} from "./controllers-requests.ts";

/** Rows of the requests made between two snapshots, per pod, largest first (top n). */
export function requestRows(
  before: RequestCounts,
  after: RequestCounts,
  pods: number,
  n = 15,
): Row[] {
  return [...after]
    .map(([call, count]) => ({ call, count: count - (before.get(call) ?? 0) }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, n)
    .map((r) => ({ call: r.call, requests: r.count, "per pod": pods > 0 ? r.count / pods : NaN }));
}

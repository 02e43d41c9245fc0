/** Pod deletion as the ReplicaSet and DaemonSet controllers do it. */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { podsRef } from "../../client/resources.ts";
import type { ControllerExpectations } from "./expectations.ts";
import type { Pod } from "./pods.ts";

/**
 * Deletes `pods` at once, recording SuccessfulDelete on `owner` for each.
 * A deletion that fails will never be observed, so it settles its
 * expectation (by the pod's UID when deletions are tracked by UID) at once; NotFound counts as done, other errors are rethrown.
 */
export async function deletePods(
  deps: { client: RestClient; recorder: EventRecorder; expectations: ControllerExpectations },
  key: string,
  owner: KObject,
  namespace: string,
  pods: Pod[],
): Promise<void> {
  await Promise.all(
    pods.map(async (pod) => {
      try {
        await deps.client.delete(podsRef, namespace, pod.metadata?.name ?? "");
        deps.recorder.event(
          owner,
          "Normal",
          "SuccessfulDelete",
          `Deleted pod: ${pod.metadata?.name}`,
        );
      } catch (err) {
        deps.expectations.deletionObserved(key, pod.metadata?.uid);
        if (!isNotFound(err)) throw err;
      }
    }),
  );
}

/** DefaultBinder: binds through the pods/binding subresource. */
import type { BindPlugin, Handle } from "../../framework/interfaces.ts";
import { asStatus } from "../../framework/status.ts";
import { podsRef } from "../../../client/resources.ts";
import { resourcePath } from "../../../client/rest-client.ts";

export const Name = "DefaultBinder";

export function newDefaultBinder(_args: unknown, handle: Handle): BindPlugin {
  return {
    name: Name,
    async bind(_state, pod, nodeName) {
      const meta = pod.pod.metadata ?? {};
      if (!handle.client) return asStatus(new Error("Cannot bind: no API client"));
      try {
        await handle.client.request(
          "POST",
          resourcePath(podsRef, meta.namespace, meta.name, "binding"),
          {
            body: {
              apiVersion: "v1",
              kind: "Binding",
              metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid },
              target: { apiVersion: "v1", kind: "Node", name: nodeName },
            },
            // The answer (a Success Status) is not read; a failure still throws ApiError.
            ignoreAnswer: true,
          },
        );
        return null;
      } catch (err) {
        return asStatus(err);
      }
    },
  } satisfies BindPlugin;
}

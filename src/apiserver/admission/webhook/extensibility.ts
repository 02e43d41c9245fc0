/**
 * The API-extensibility admission plugins (MutatingAdmissionWebhook,
 * ValidatingAdmissionPolicy, ValidatingAdmissionWebhook), built before the
 * server exists and bound to it once it runs. Writes admitted before the
 * binding (the server's own bootstrap) wait for it.
 */
import type { Authorizer } from "../../../auth/types.ts";
import type { ServerContext } from "../../context.ts";
import type { AdmissionPlugin } from "../../pipeline.ts";
import { runPolicyStatus } from "../policy/policy-status.ts";
import { validatingAdmissionPolicyPlugin } from "../policy/validating-admission-policy.ts";
import { mutatingWebhookPlugin } from "./mutating-webhook.ts";
import { validatingWebhookPlugin } from "./validating-webhook.ts";
import type { ServiceResolver } from "./webhook-client.ts";

export interface ExtensibilityAdmission {
  /** Named as upstream, for ordering by the admission chain. */
  plugins: AdmissionPlugin[];
  /** Binds the running server (and starts the policy status writer); call once. */
  bind(server: ServerContext): void;
}

export interface ExtensibilityOptions {
  /** Replaces Service → address resolution (tests). */
  resolveService?: ServiceResolver;
  /** Answers CEL `authorizer` checks in policies (without one they are denied). */
  authorizer?: Authorizer;
}

/** Builds the plugins. */
export function extensibilityAdmission(opts: ExtensibilityOptions = {}): ExtensibilityAdmission {
  let bindServer!: (s: ServerContext) => void;
  const bound = new Promise<ServerContext>((resolve) => (bindServer = resolve));
  const deps = {
    server: () => bound,
    resolveService: opts.resolveService,
    authorizer: opts.authorizer,
  };
  return {
    plugins: [
      mutatingWebhookPlugin(deps),
      validatingAdmissionPolicyPlugin(deps.server, opts.authorizer),
      validatingWebhookPlugin(deps),
    ],
    bind(server) {
      bindServer(server);
      void runPolicyStatus(server);
    },
  };
}

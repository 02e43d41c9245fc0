/**
 * Fetches an extension API server's OpenAPI for one group-version, as the
 * aggregator's OpenAPI controllers download it: /openapi/v2 (JSON) and the
 * /openapi/v3 document its index lists for apis/<group>/<version>. Either
 * may be missing (servers without OpenAPI); errors leave it out.
 */
import type { CertKeyPair } from "../../pki/self-signed.ts";
import type { WebhookEndpoint } from "../admission/webhook/webhook-client.ts";
import { openapiHash, openapiJSON } from "../../api/schema/openapi.ts";
import type { AggregatedSpec } from "./openapi-merge.ts";
import { readBody, upstreamRequest } from "./proxy.ts";

type Rec = Record<string, unknown>;

const HEADERS = {
  accept: "application/json",
  "x-remote-user": "system:kube-aggregator",
  "x-remote-group": "system:masters",
};

async function getJSON(
  endpoint: WebhookEndpoint,
  path: string,
  client: CertKeyPair | undefined,
): Promise<unknown> {
  try {
    const res = await upstreamRequest(endpoint, {
      method: "GET",
      path,
      headers: HEADERS,
      timeoutMs: 5000,
      client,
    });
    const body = await readBody(res);
    if (res.statusCode !== 200) return undefined;
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The group-version's specs; absent documents stay undefined. */
export async function fetchAggregatedSpec(
  endpoint: WebhookEndpoint,
  group: string,
  version: string,
  client?: CertKeyPair,
): Promise<AggregatedSpec> {
  const key = `apis/${group}/${version}`;
  const [v2, index] = await Promise.all([
    getJSON(endpoint, "/openapi/v2", client),
    getJSON(endpoint, "/openapi/v3", client),
  ]);
  const spec: AggregatedSpec = { group, version };
  if (v2 && typeof v2 === "object" && (v2 as Rec).swagger) spec.v2 = v2 as Rec;
  const entry = ((index as Rec | undefined)?.paths as Rec | undefined)?.[key] as Rec | undefined;
  const url = typeof entry?.serverRelativeURL === "string" ? entry.serverRelativeURL : undefined;
  const doc = url ? await getJSON(endpoint, url, client) : undefined;
  if (doc && typeof doc === "object") {
    const json = openapiJSON(doc);
    spec.v3 = { json, hash: openapiHash(json) };
  }
  return spec;
}

/**
 * Runs the CSR signing and approving controllers next to the API server (as `k8ts server`
 * does): it talks to the API over HTTPS like any controller, as
 * system:kube-controller-manager with a client certificate issued from the
 * cluster CA at start.
 */
import { realClock } from "../../client/clock.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { RestClient } from "../../client/rest-client.ts";
import { issueCertificate } from "../../pki/self-signed.ts";
import { CsrApprovingController } from "./csr-approving.ts";
import { CsrSigningController } from "./csr-signing.ts";
import type { CaPair } from "./signing.ts";

export interface RunningSigner {
  stop(): Promise<void>;
}

/** Starts the signer against `server` (https URL) signing with `ca`. */
export async function startCsrSigner(
  server: string,
  ca: CaPair,
  log: (msg: string) => void,
): Promise<RunningSigner> {
  const identity = await issueCertificate({
    commonName: "system:kube-controller-manager",
    usage: "client",
    signer: ca,
  });
  const client = new RestClient({
    server,
    ca: ca.certPem,
    cert: identity.certPem,
    key: identity.keyPem,
    qps: 50,
    burst: 100,
    userAgent: "kube-controller-manager/v1.32.0 (csrsigning)",
  });
  const informers = new InformerFactory(client, {
    clock: realClock,
    onError: (err) => log(`csrsigning: ${(err as Error).message}`),
  });
  const controller = new CsrSigningController({ client, informers, clock: realClock, ca });
  const approver = new CsrApprovingController({ client, informers, clock: realClock });
  const abort = new AbortController();
  informers.start();
  void approver
    .run(1, abort.signal)
    .catch((err) => log(`csrapproving stopped: ${(err as Error).message}`));
  void controller
    .run(1, abort.signal)
    .catch((err) => log(`csrsigning stopped: ${(err as Error).message}`));
  return {
    async stop() {
      abort.abort();
      await informers.stop();
      client.close();
    },
  };
}

/**
 * The front proxy of API aggregation, as kubeadm sets it up: a front-proxy
 * CA (front-proxy-ca.crt/.key) and the aggregator's client certificate
 * (front-proxy-client.crt/.key, CN front-proxy-client) generated beside the
 * cluster certificates on first start, and kube-apiserver's flags naming
 * them (--requestheader-*, --proxy-client-cert-file/--proxy-client-key-file).
 * Flags win over the generated files.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { issueCertificate, type CertKeyPair } from "../../pki/self-signed.ts";
import {
  DEFAULT_REQUEST_HEADERS,
  type RequestHeaderConfig,
} from "../../auth/authenticators/request-header.ts";
import { commaList } from "../../util/comma-list.ts";

/** kube-apiserver's front-proxy flags. */
export interface FrontProxyFlags {
  requestheaderClientCaFile?: string;
  requestheaderAllowedNames?: string[];
  requestheaderUsernameHeaders?: string[];
  requestheaderUidHeaders?: string[];
  requestheaderGroupHeaders?: string[];
  requestheaderExtraHeadersPrefix?: string[];
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
}

/** What the API server needs: the request-header authenticator's settings and the proxy's identity. */
export interface FrontProxySetup {
  requestHeader: RequestHeaderConfig;
  proxyClient: CertKeyPair;
}

const list = commaList;

/** Adds the flags to a command (returns it, for chaining). */
export function addFrontProxyFlags(cmd: Command): Command {
  return cmd
    .option(
      "--requestheader-client-ca-file <file>",
      "CA of front proxies allowed to assert users in headers (default: the generated front-proxy CA)",
    )
    .option(
      "--requestheader-allowed-names <names>",
      "front-proxy client certificate common names accepted (empty: any; default front-proxy-client with the generated CA)",
      list,
    )
    .option("--requestheader-username-headers <names>", "user name headers (X-Remote-User)", list)
    .option("--requestheader-uid-headers <names>", "uid headers (none by default)", list)
    .option("--requestheader-group-headers <names>", "group headers (X-Remote-Group)", list)
    .option(
      "--requestheader-extra-headers-prefix <prefixes>",
      "extra field header prefixes (X-Remote-Extra-)",
      list,
    )
    .option(
      "--proxy-client-cert-file <file>",
      "client certificate the aggregator presents to extension API servers",
    )
    .option("--proxy-client-key-file <file>", "key of --proxy-client-cert-file");
}

async function loadOrIssue(
  dir: string,
  name: string,
  issue: () => Promise<CertKeyPair>,
): Promise<CertKeyPair> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  if (existsSync(certPath) && existsSync(keyPath))
    return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
  const pair = await issue();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
  await writeFile(certPath, pair.certPem, { mode: 0o644 });
  return pair;
}

/** Loads (or creates) front-proxy-ca and front-proxy-client under `dir`. */
export async function ensureFrontProxyPki(
  dir: string,
): Promise<{ ca: CertKeyPair; client: CertKeyPair }> {
  const ca = await loadOrIssue(dir, "front-proxy-ca", () =>
    issueCertificate({ commonName: "front-proxy-ca", usage: "ca" }),
  );
  const client = await loadOrIssue(dir, "front-proxy-client", () =>
    issueCertificate({ commonName: "front-proxy-client", usage: "client", signer: ca }),
  );
  return { ca, client };
}

/** The front-proxy setup from flags, generating what the flags do not name under `tlsDir`. */
export async function frontProxyFromFlags(
  flags: FrontProxyFlags,
  tlsDir: string,
): Promise<FrontProxySetup> {
  const explicitCa = flags.requestheaderClientCaFile;
  const explicitClient = flags.proxyClientCertFile && flags.proxyClientKeyFile;
  const generated = explicitCa && explicitClient ? undefined : await ensureFrontProxyPki(tlsDir);
  const clientCaPem = explicitCa ? await readFile(explicitCa, "utf8") : generated!.ca.certPem;
  const proxyClient = explicitClient
    ? {
        certPem: await readFile(flags.proxyClientCertFile!, "utf8"),
        keyPem: await readFile(flags.proxyClientKeyFile!, "utf8"),
      }
    : generated!.client;
  const d = DEFAULT_REQUEST_HEADERS;
  return {
    requestHeader: {
      clientCaPem,
      allowedNames: flags.requestheaderAllowedNames ?? (explicitCa ? [] : d.allowedNames),
      usernameHeaders: flags.requestheaderUsernameHeaders ?? d.usernameHeaders,
      uidHeaders: flags.requestheaderUidHeaders ?? d.uidHeaders,
      groupHeaders: flags.requestheaderGroupHeaders ?? d.groupHeaders,
      extraHeaderPrefixes: flags.requestheaderExtraHeadersPrefix ?? d.extraHeaderPrefixes,
    },
    proxyClient,
  };
}

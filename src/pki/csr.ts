/**
 * PKCS#10 certificate requests, parsed with forge's ASN.1 reader so any key
 * type works (forge's own CSR parser only knows RSA): the subject Name, the
 * SubjectPublicKeyInfo, CN/O, requested SANs, and the self-signature check.
 */
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import forge from "node-forge";

export class CsrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsrError";
  }
}

export interface ParsedCsr {
  /** The subject Name as ASN.1 (copied into issued certificates). */
  subject: forge.asn1.Asn1;
  spkiDer: Buffer;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
}

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_EXT_REQ = "1.2.840.113549.1.9.14";
const OID_SAN = "2.5.29.17";
const SIG_HASH: Record<string, string> = {
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};

const seq = (n: forge.asn1.Asn1) => n.value as forge.asn1.Asn1[];
const bytesOf = (n: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(n).getBytes(), "binary");

/** Parses and verifies a PEM "CERTIFICATE REQUEST"; throws CsrError. */
export function parseCsrPem(pem: string): ParsedCsr {
  let root: forge.asn1.Asn1;
  try {
    const msg = forge.pem
      .decode(pem)
      .find((m) => m.type === "CERTIFICATE REQUEST" || m.type === "NEW CERTIFICATE REQUEST");
    if (!msg) throw new CsrError("PEM block type must be CERTIFICATE REQUEST");
    root = forge.asn1.fromDer(msg.body);
  } catch (err) {
    throw err instanceof CsrError ? err : new CsrError("malformed certificate request");
  }
  try {
    const [info, sigAlg, sigBits] = seq(root);
    const [, subject, spki, attrs] = seq(info);
    const names = { cn: "", o: [] as string[] };
    for (const rdn of seq(subject))
      for (const atv of seq(rdn)) {
        const [oid, value] = seq(atv);
        const id = forge.asn1.derToOid(oid.value as string);
        if (id === OID_CN) names.cn = String(value.value);
        if (id === OID_O) names.o.push(String(value.value));
      }
    const dnsNames: string[] = [];
    const ipAddresses: string[] = [];
    for (const attr of attrs ? seq(attrs) : []) {
      const [oid, set] = seq(attr);
      if (forge.asn1.derToOid(oid.value as string) !== OID_EXT_REQ) continue;
      for (const ext of seq(seq(set)[0])) {
        const parts = seq(ext);
        if (forge.asn1.derToOid(parts[0].value as string) !== OID_SAN) continue;
        const san = forge.asn1.fromDer(parts[parts.length - 1].value as string);
        for (const gn of seq(san)) {
          if (gn.type === 2) dnsNames.push(String(gn.value));
          if (gn.type === 7)
            ipAddresses.push(
              (forge.util as unknown as { bytesToIP(b: string): string }).bytesToIP(
                gn.value as string,
              ),
            );
        }
      }
    }
    const spkiDer = bytesOf(spki);
    const alg = forge.asn1.derToOid(seq(sigAlg)[0].value as string);
    const hash = SIG_HASH[alg];
    if (!hash) throw new CsrError(`unsupported signature algorithm ${alg}`);
    const key = createPublicKey({ key: spkiDer, format: "der", type: "spki" });
    const signature = Buffer.from((sigBits.value as string).slice(1), "binary");
    if (!cryptoVerify(hash, bytesOf(info), key, signature))
      throw new CsrError("certificate request signature does not verify");
    return {
      subject,
      spkiDer,
      commonName: names.cn,
      organizations: names.o,
      dnsNames,
      ipAddresses,
    };
  } catch (err) {
    throw err instanceof CsrError ? err : new CsrError("malformed certificate request");
  }
}

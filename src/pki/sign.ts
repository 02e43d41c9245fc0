/**
 * X.509 certificate signing with Node's native crypto: node-forge only builds
 * the ASN.1 structures (it cannot handle EC keys), the real
 * SubjectPublicKeyInfo is swapped into the TBSCertificate and the signature
 * is made natively: ecdsa-with-SHA256 for EC signers, sha256WithRSAEncryption
 * for RSA signers (so CAs made by `openssl genrsa` sign too).
 */
import { createPrivateKey, randomBytes, sign as cryptoSign } from "node:crypto";
import forge from "node-forge";

/** What the certificate is for; "ca" is self-signed unless a signer is given. */
export type CertUsage = "ca" | "server" | "client" | "server-client";

export interface SignOptions {
  /** DER SubjectPublicKeyInfo of the certified key. */
  spkiDer: Buffer;
  /** Subject: a Name ASN.1 (from a CSR) or CN plus O values. */
  subject: forge.asn1.Asn1 | { commonName: string; organizations?: string[] };
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Issuer; absent → self-signed with `selfKeyPem`. */
  signer?: { certPem: string; keyPem: string };
  selfKeyPem?: string;
  notBefore: Date;
  notAfter: Date;
  /** The serial's 16 bytes before serialNumberHex (default random; tests give their own). */
  serialBytes?: Buffer;
}

/**
 * A positive serial whose DER INTEGER is minimal: first byte 0x01-0x7f.
 * forge strips only one leading zero byte, so random bytes 00 00 xx (xx <
 * 0x80) were written as a non-minimal INTEGER, which OpenSSL refuses to
 * read ("Could not read certificate": about one certificate in 65,536).
 */
export function serialNumberHex(bytes: Buffer): string {
  const serial = Buffer.from(bytes);
  serial[0] = serial[0]! & 0x7f || 0x01;
  return serial.toString("hex");
}

const OID = {
  ecdsaSha256: "1.2.840.10045.4.3.2",
  rsaSha256: "1.2.840.113549.1.1.11",
};

function placeholderKey(): forge.pki.PublicKey {
  const three = new forge.jsbn.BigInteger("3", 10);
  return forge.pki.setRsaPublicKey(three, three);
}

/** The subject Name of a PEM certificate as ASN.1. */
export function subjectAsn1Of(certPem: string): forge.asn1.Asn1 {
  const der = forge.pem.decode(certPem)[0].body;
  const tbs = (forge.asn1.fromDer(der).value as forge.asn1.Asn1[])[0];
  const fields = tbs.value as forge.asn1.Asn1[];
  // With an explicit version [0], subject is field 5; v1 certificates lack it.
  const offset = fields[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 0 : -1;
  return fields[5 + offset];
}

/** Signs a certificate; returns it as PEM. */
export function signCertificate(opts: SignOptions): string {
  const { asn1 } = forge;
  const cert = forge.pki.createCertificate();
  cert.publicKey = placeholderKey();
  cert.serialNumber = serialNumberHex(opts.serialBytes ?? randomBytes(16));
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = opts.notAfter;
  const plainSubject: forge.pki.CertificateField[] = [];
  if (!("tagClass" in opts.subject)) {
    for (const org of opts.subject.organizations ?? [])
      plainSubject.push({ name: "organizationName", value: org });
    plainSubject.push({ name: "commonName", value: opts.subject.commonName });
  } else plainSubject.push({ name: "commonName", value: "placeholder" });
  cert.setSubject(plainSubject);
  cert.setIssuer(plainSubject);
  const extensions: object[] = [];
  if (opts.usage === "ca") {
    extensions.push(
      { name: "basicConstraints", cA: true, critical: true },
      {
        name: "keyUsage",
        keyCertSign: true,
        digitalSignature: true,
        keyEncipherment: true,
        critical: true,
      },
      { name: "subjectKeyIdentifier" },
    );
  } else {
    extensions.push(
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      {
        name: "extKeyUsage",
        serverAuth: opts.usage !== "client",
        clientAuth: opts.usage !== "server",
      },
    );
    const altNames = [
      ...(opts.dnsNames ?? []).map((value) => ({ type: 2, value })),
      ...(opts.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
    ];
    if (altNames.length > 0) extensions.push({ name: "subjectAltName", altNames });
  }
  // subjectKeyIdentifier needs the real key: computed by forge from the placeholder, so drop it.
  cert.setExtensions(
    extensions.filter((e) => (e as { name: string }).name !== "subjectKeyIdentifier"),
  );
  const signerKeyPem = opts.signer?.keyPem ?? opts.selfKeyPem;
  if (!signerKeyPem) throw new Error("signCertificate: no signer key");
  const signerKey = createPrivateKey(signerKeyPem);
  const algOid = signerKey.asymmetricKeyType === "rsa" ? OID.rsaSha256 : OID.ecdsaSha256;
  const algorithm = () =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(algOid).getBytes()),
      ...(algOid === OID.rsaSha256
        ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")]
        : []),
    ]);
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = algOid;
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  fields[2] = algorithm();
  fields[6] = asn1.fromDer(opts.spkiDer.toString("binary"));
  if ("tagClass" in opts.subject) fields[5] = opts.subject;
  fields[3] = opts.signer ? subjectAsn1Of(opts.signer.certPem) : fields[5];
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), "binary");
  const signature = cryptoSign("sha256", tbsDer, signerKey);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm(),
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      "\0" + signature.toString("binary"),
    ),
  ]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), "binary");
  const body = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

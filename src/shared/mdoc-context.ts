import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, X509Certificate, type JsonWebKey } from 'node:crypto';
import { CoseKey, type MdocContext } from '@owf/mdoc';

// The cryptography @owf/mdoc asks its caller for, on node:crypto: ECDSA COSE_Sign1 with raw
// (r||s) signatures, SHA-2 digests, and reading X.509 certificates. MAC-based device auth is
// not needed to issue or to read an mdoc, and is refused.
const HASH: Record<number, string> = { [-7]: 'sha256', [-35]: 'sha384', [-36]: 'sha512' };

const hashOf = (key: CoseKey, algorithm?: number): string => HASH[algorithm ?? (key.algorithm as number | undefined) ?? -7] ?? 'sha256';

function certificateData(der: Uint8Array) {
  const cert = new X509Certificate(Buffer.from(der));
  return {
    issuerName: cert.issuer.replaceAll('\n', ', '),
    subjectName: cert.subject.replaceAll('\n', ', '),
    serialNumber: cert.serialNumber,
    thumbprint: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    pem: cert.toString(),
  };
}

export const mdocContext: MdocContext = {
  crypto: {
    random: (length) => randomBytes(length),
    digest: ({ digestAlgorithm, bytes }) => createHash(digestAlgorithm.replace('-', '').toLowerCase()).update(bytes).digest(),
    calculateEphemeralMacKey: () => {
      throw new Error('MAC device authentication is not supported');
    },
  },
  cose: {
    sign1: {
      sign: ({ toBeSigned, key, algorithm }) =>
        sign(hashOf(key, algorithm), toBeSigned, { key: createPrivateKey({ key: key.jwk as JsonWebKey, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }),
      verify: ({ key, sign1 }) =>
        verify(
          hashOf(key, sign1.protectedHeaders.headers?.get(1) as number | undefined),
          sign1.toBeSigned,
          { key: createPublicKey({ key: key.jwk as JsonWebKey, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
          sign1.signature,
        ),
    },
    mac0: {
      sign: () => {
        throw new Error('COSE_Mac0 is not supported');
      },
      verify: () => false,
    },
  },
  x509: {
    getIssuerNameField: ({ certificate, field }) =>
      new X509Certificate(Buffer.from(certificate)).issuer
        .split('\n')
        .filter((line) => line.startsWith(`${field}=`))
        .map((line) => line.slice(field.length + 1)),
    getPublicKey: ({ certificate }) => CoseKey.fromJwk(new X509Certificate(Buffer.from(certificate)).publicKey.export({ format: 'jwk' }) as Record<string, unknown>),
    verifyCertificateChain: ({ trustedCertificates, x5chain }) => {
      const leaf = new X509Certificate(Buffer.from(x5chain[0]!));
      const trusted = trustedCertificates.map((c) => new X509Certificate(Buffer.from(c)));
      if (!trusted.some((t) => t.fingerprint256 === leaf.fingerprint256 || leaf.verify(t.publicKey))) throw new Error('certificate chain does not lead to a trusted certificate');
    },
    getCertificateData: ({ certificate }) => certificateData(certificate),
  },
};

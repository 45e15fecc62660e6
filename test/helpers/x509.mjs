// X.509 certificates for tests: a trust anchor, a leaf it issues, a self-signed stranger. Node
// cannot make certificates, so this writes the DER itself (ECDSA P-256 with SHA-256, RFC 5280),
// independent of the sandbox's own writer (src/shared/x509.ts), and parses each one back.
import { createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

const der = (tag, content) => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const sequence = (...items) => der(0x30, Buffer.concat(items));
const set = (...items) => der(0x31, Buffer.concat(items));
const time = (date) => der(0x18, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`, 'ascii'));

function length(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const body = [a * 40 + b];
  for (const value of rest) {
    const chunk = [];
    for (let v = value; ; v = Math.floor(v / 128)) {
      chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0));
      if (v < 128) break;
    }
    body.push(...chunk);
  }
  return der(0x06, Buffer.from(body));
}

const name = (cn) => sequence(set(sequence(oid('2.5.4.6'), der(0x13, Buffer.from('US')))), set(sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(cn)))));

/**
 * A certificate for `publicKey` named `subject`, signed by `issuerKey` in the name of `issuer`.
 * @param {{ publicKey: import('node:crypto').KeyObject, subject: string, issuerKey: import('node:crypto').KeyObject, issuer: string, ca?: boolean, days?: number, notBefore?: Date }} o
 * @returns {Buffer} DER
 */
export function certificate(o) {
  const from = o.notBefore ?? new Date(Date.now() - 60_000);
  const until = new Date(from.getTime() + (o.days ?? 30) * 86_400_000);
  const algorithm = sequence(oid('1.2.840.10045.4.3.2'));
  const serial = randomBytes(12);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  // basicConstraints cA=TRUE, critical, for an anchor that issues certificates.
  const extensions = o.ca ? [der(0xa3, sequence(sequence(oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, sequence(der(0x01, Buffer.from([0xff])))))))] : [];
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    algorithm,
    name(o.issuer),
    sequence(time(from), time(until)),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    ...extensions,
  );
  const signature = sign('sha256', tbs, { key: o.issuerKey, dsaEncoding: 'der' });
  const cert = sequence(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  if (!new X509Certificate(cert).verify(createPublicKey(o.issuerKey))) throw new Error('test certificate does not verify');
  return cert;
}

/** A fresh P-256 key pair (KeyObjects). */
export const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** DER as PEM, for --trust-anchor files. */
export const pem = (derBytes) => `-----BEGIN CERTIFICATE-----\n${derBytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

import { createPublicKey, randomBytes, sign, type KeyObject, X509Certificate } from 'node:crypto';

// A minimal DER writer: enough for one self-signed ECDSA P-256 certificate (RFC 5280), which
// the sandbox needs for mso_mdoc's issuerAuth x5chain and Node cannot generate by itself.
const der = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const sequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const printable = (text: string): Buffer => der(0x13, Buffer.from(text, 'ascii'));
const generalizedTime = (date: Date): Buffer => der(0x18, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`, 'ascii'));

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const body: number[] = [a! * 40 + b!];
  for (const value of rest) {
    const chunk: number[] = [];
    for (let v = value; ; v = Math.floor(v / 128)) {
      chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0));
      if (v < 128) break;
    }
    body.push(...chunk);
  }
  return der(0x06, Buffer.from(body));
}

function integer(bytes: Buffer): Buffer {
  // A positive INTEGER: a leading 0x00 when the high bit is set.
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function name(commonName: string, country: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.6'), printable(country))), set(sequence(oid('2.5.4.3'), utf8(commonName))));
}

/** A self-signed ECDSA-with-SHA256 certificate for `privateKey`, as DER. */
export function selfSignedCertificate(privateKey: KeyObject, options: { commonName: string; country?: string; days?: number }): Buffer {
  const publicKey = createPublicKey(privateKey);
  const now = new Date(Date.now() - 60_000);
  const until = new Date(now.getTime() + (options.days ?? 365) * 86_400_000);
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  // DER integers are minimal: a serial starting with 0x00 would be refused, so the first byte is 0x01–0x7f.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const issuer = name(options.commonName, options.country ?? 'US');
  const tbs = sequence(
    der(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    issuer,
    sequence(generalizedTime(now), generalizedTime(until)),
    issuer,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  // Parsing it back checks the encoding and the signature before anyone relies on it.
  const parsed = new X509Certificate(certificate);
  if (!parsed.verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return certificate;
}

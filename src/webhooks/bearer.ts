import { safeEqual } from './crypto.js';
import { invalid, noMatch, valid, type Delivery, type SignatureScheme, type Verdict, type VerifyContext } from './types.js';

/** `Authorization: Bearer <token>` compared in constant time with each secret (walt.id's optional token). */
export const bearerScheme: SignatureScheme = {
  name: 'bearer',
  headers: ['authorization'],
  signedId: () => null,
  signedAt: () => undefined,
  detect: (headers) => /^bearer\s/i.test(headers.authorization ?? ''),
  verify(delivery: Delivery, context: VerifyContext): Verdict {
    const match = /^bearer\s+(\S+)\s*$/i.exec(delivery.headers.authorization ?? '');
    if (!match) return invalid('bearer', 'missing_signature', 'missing Authorization: Bearer header');
    const token = Buffer.from(match[1]!, 'utf8');
    for (const [i, secret] of context.secrets.entries()) {
      if (safeEqual(Buffer.from(secret, 'utf8'), token)) return valid('bearer', i + 1);
    }
    return noMatch('bearer', context.secrets.length);
  },
};

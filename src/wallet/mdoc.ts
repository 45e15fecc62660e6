import type { DecodeContext, DecodedCredential, SignatureCheck } from './credentials.js';

/** mso_mdoc: doctype, namespaces and elements, and the issuer's COSE signature over the MSO. */
export async function decodeMdoc(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  void raw;
  void context;
  throw new Error('mso_mdoc decoding is not implemented yet');
}

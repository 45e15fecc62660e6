// The public test vectors from ../shared/docs/providers.md, verified there with the official libraries.
export const VECTORS = {
  standardWebhooks: [
    {
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: '1614265330',
      body: '{"test": 2432232314}',
      signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    },
    {
      secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
      id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      timestamp: '1674087231',
      body: '{"eventType":"openid4vc.issuance.completed","payload":{"openId4VcIssuanceId":"cmfwfjxdq003js601bmgy9tva"}}',
      signature: 'v1,CfTihUwEFC/Qg3SyJJO03W7NZyXGonXNBVZ6eZZ5SRA=',
    },
  ],
  igrant: [
    {
      secret: 'igrant-webhook-secret-0123456789',
      t: '2025-06-01T12:00:00Z',
      body: '{"deliveryID":"665b0c3f8a1e2d0012345678","webhookID":"665b0b9e8a1e2d0012345670","timestamp":"2025-06-01T12:00:00Z","data":{"organisationId":"665b0a118a1e2d0012345601","credentialExchangeId":"c1f2e3d4-0000-4000-8000-000000000001"},"type":"openid.credential.credential_issued"}',
      header: 't=2025-06-01T12:00:00Z,sig=1abdf19df8dee64511530a5b2a56842925e0c72fb8367acdb78c2bad37b16813',
    },
  ],
  github: { secret: "It's a Secret to Everybody", body: 'Hello, World!', header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
};

/** `verify` of a Standard Webhooks vector: its secret, headers and body, then `extra`. */
export function verifyArgs(v, extra = []) {
  return [
    'verify',
    '--scheme',
    'standard',
    '--secret',
    v.secret,
    '--header',
    `webhook-id: ${v.id}`,
    '--header',
    `webhook-timestamp: ${v.timestamp}`,
    '--header',
    `webhook-signature: ${v.signature}`,
    '--body',
    v.body,
    ...extra,
  ];
}

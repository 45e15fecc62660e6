import { getGlobalConfig, setGlobalConfig } from '@openid4vc/openid4vci';

/**
 * The OpenWallet Foundation OID4VC libraries check URLs in what they parse (offers, metadata,
 * proofs) against one process-global switch, `allowInsecureUrls`: with it off, every `http://`
 * URL is refused — loopback included; with it on, every one is accepted. It has no per-client or
 * per-call form, so a claim cannot set it for itself: flipping it around a claim and restoring it
 * afterwards undoes it under any claim still in flight (the API's `claimOffer` called twice at
 * once, `check`'s concurrent flows, a sandbox in the same process).
 *
 * So this process takes one policy, the same for every caller: the libraries accept http URLs
 * (a syntax check only), and the rule is enforced where requests are made — the wallet's guarded
 * transport (src/wallet/transport.ts) refuses plain http to anything but loopback, on the first
 * URL and on every redirect hop, unless that claim allows it (`insecure`). Called by every claim
 * and by the sandbox before they use the libraries; it only ever turns the switch on, and keeps
 * whatever else the config holds. A program that embeds issuer-events and also uses the libraries
 * directly therefore sees `allowInsecureUrls: true` once a claim or a sandbox has run
 * (docs/security.md, "The wallet").
 */
export function admitHttpUrlsInLibraries(): void {
  const config = getGlobalConfig();
  if (config.allowInsecureUrls !== true) setGlobalConfig({ ...config, allowInsecureUrls: true });
}

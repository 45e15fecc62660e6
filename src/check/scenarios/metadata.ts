import { isPlainObject, type JsonObject } from '../../shared/json.js';
import { isLoopbackHost } from '../../shared/url.js';
import type { Discovery } from '../discovery.js';
import { type CheckHttp, HttpFailure, isJsonContentType, jsonObject } from '../http.js';
import { type Finding, fail, pass, skip, warn, worst } from '../results.js';

type Record = (check: string, finding: Finding, spec: string | null, ms?: number) => void;

const MODULE_SPEC = 'OID4VCI 1.0 §12.2.4';

/** Credential issuer metadata parameters of OID4VCI 1.0 §12.2.4 (the suite's credential_issuer_metadata-1_0.json). */
const METADATA_KEYS = [
  'credential_issuer',
  'authorization_servers',
  'credential_endpoint',
  'nonce_endpoint',
  'deferred_credential_endpoint',
  'notification_endpoint',
  'credential_request_encryption',
  'credential_response_encryption',
  'batch_credential_issuance',
  'signed_metadata',
  'display',
  'credential_configurations_supported',
];

/** Formats of OID4VCI 1.0 Appendix A. */
const FORMATS = ['jwt_vc_json', 'jwt_vc_json-ld', 'ldp_vc', 'mso_mdoc', 'dc+sd-jwt'];

/** https, or plain http on a loopback issuer (a warning: the suite requires https); anything else fails. */
function httpsFinding(url: unknown, label: string): Finding | undefined {
  if (typeof url !== 'string') return fail(`${label} is not a URL string`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`${label} ${url} is not a URL`);
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return warn(`${label} uses plain http (accepted for a loopback issuer; https is required elsewhere)`);
  return fail(`${label} ${url} does not use https`);
}

/**
 * The suite's `oid4vci-1_0-issuer-metadata-test` (`VCIIssuerMetadataTest`): the credential
 * issuer metadata and its authorization server's, as a wallet finds them.
 */
export async function checkMetadata(discovery: Discovery, http: CheckHttp, record: Record): Promise<void> {
  const { issuer } = discovery;
  const ms = issuer.response?.ms;
  if (!issuer.document) {
    record('metadata document', fail(`${issuer.url}: ${issuer.failure ?? 'no document'}`), 'OID4VCI 1.0 §12.2.2', ms);
    return;
  }
  const doc = issuer.document;
  if (issuer.fallbackUrl) {
    record('metadata document', fail(`not at ${issuer.url} (${issuer.failure}), only at the pre-final location ${issuer.fallbackUrl}`), 'OID4VCI 1.0 §12.2.2', ms);
  } else {
    const type =
      issuer.response && !isJsonContentType(issuer.response) ? fail(`content type ${issuer.response.headers.get('content-type') ?? '(none)'}, not application/json`) : undefined;
    record('metadata document', type ?? pass(issuer.url), 'OID4VCI 1.0 §12.2.2; RFC 8414 §3.2', ms);
  }
  const missing = ['credential_issuer', 'credential_endpoint', 'credential_configurations_supported'].filter((k) => doc[k] === undefined);
  record('required parameters', missing.length ? fail(`missing ${missing.join(', ')}`) : pass(), MODULE_SPEC);
  record('credential_issuer', identifierFinding(doc.credential_issuer, discovery.issuerId), 'OID4VCI 1.0 §12.2.1, §12.2.3');
  const endpoints = ['credential_endpoint', 'nonce_endpoint', 'deferred_credential_endpoint', 'notification_endpoint'].filter((k) => doc[k] !== undefined);
  const servers = Array.isArray(doc.authorization_servers) ? doc.authorization_servers : [];
  record(
    'https endpoints',
    worst(
      [...endpoints.map((k) => httpsFinding(doc[k], k)), ...servers.map((s, i) => httpsFinding(s, `authorization_servers[${i}]`))].filter((f): f is Finding => f !== undefined),
      endpoints.join(', '),
    ),
    MODULE_SPEC,
  );
  const unknown = Object.keys(doc).filter((k) => !METADATA_KEYS.includes(k));
  record('unknown parameters', unknown.length ? warn(`parameters the specification does not define: ${unknown.join(', ')}`) : pass(), MODULE_SPEC);
  const configurations = isPlainObject(doc.credential_configurations_supported) ? doc.credential_configurations_supported : {};
  const entries = Object.entries(configurations).filter((e): e is [string, JsonObject] => isPlainObject(e[1]));
  record('configuration formats', formatsFinding(entries), 'OID4VCI 1.0 Appendix A');
  record('configuration parameters', parametersFinding(entries), 'OID4VCI 1.0 §12.2.4, Appendix A');
  const needsNonce = entries.some(([, c]) => isPlainObject(c.proof_types_supported));
  record(
    'nonce endpoint',
    typeof doc.nonce_endpoint === 'string' || !needsNonce
      ? pass(typeof doc.nonce_endpoint === 'string' ? doc.nonce_endpoint : 'no configuration takes proofs')
      : warn('configurations take proofs but there is no nonce_endpoint: an OID4VCI 1.0 wallet gets its c_nonce only there'),
    'OID4VCI 1.0 §7, §12.2.4',
  );
  await checkAuthorizationServer(discovery, http, record);
}

function identifierFinding(value: unknown, retrievedFor: string): Finding {
  if (typeof value !== 'string') return fail('credential_issuer is missing or not a string');
  if (value !== retrievedFor) return fail(`${value} is not identical to the identifier it was retrieved for (${retrievedFor})`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${value} is not a URL`);
  }
  const problems = [url.search && 'a query', url.hash && 'a fragment', (url.username || url.password) && 'userinfo'].filter(Boolean);
  if (problems.length) return fail(`${value} has ${problems.join(' and ')}`);
  return httpsFinding(value, 'credential_issuer') ?? pass(value);
}

function formatsFinding(entries: readonly [string, JsonObject][]): Finding {
  if (entries.length === 0) return fail('credential_configurations_supported is empty');
  const findings: Finding[] = [];
  for (const [id, c] of entries) {
    if (typeof c.format !== 'string') findings.push(fail(`${id} has no format`));
    else if (c.format === 'vc+sd-jwt') findings.push(warn(`${id} uses the pre-final format name vc+sd-jwt (OID4VCI 1.0 uses dc+sd-jwt)`));
    else if (!FORMATS.includes(c.format)) findings.push(warn(`${id} has format ${c.format}, which OID4VCI 1.0 does not define`));
  }
  return worst(findings, entries.map(([id, c]) => `${id} (${String(c.format)})`).join(', '));
}

function parametersFinding(entries: readonly [string, JsonObject][]): Finding {
  const findings: Finding[] = [];
  for (const [id, c] of entries) {
    if ((c.format === 'dc+sd-jwt' || c.format === 'vc+sd-jwt') && typeof c.vct !== 'string') findings.push(fail(`${id} has no vct`));
    if (c.format === 'mso_mdoc' && typeof c.doctype !== 'string') findings.push(fail(`${id} has no doctype`));
    if (c.format === 'jwt_vc_json' && !(isPlainObject(c.credential_definition) && Array.isArray(c.credential_definition.type)))
      findings.push(fail(`${id} has no credential_definition.type`));
    const proofs = c.proof_types_supported;
    const binding = c.cryptographic_binding_methods_supported;
    // §12.2.4: each is REQUIRED when the other is present.
    if ((proofs === undefined) !== (binding === undefined))
      findings.push(
        fail(
          `${id} has ${proofs === undefined ? 'cryptographic_binding_methods_supported without proof_types_supported' : 'proof_types_supported without cryptographic_binding_methods_supported'}`,
        ),
      );
    if (isPlainObject(proofs)) {
      for (const [type, spec] of Object.entries(proofs)) {
        const algs = isPlainObject(spec) ? spec.proof_signing_alg_values_supported : undefined;
        if (!Array.isArray(algs) || algs.length === 0 || algs.some((a) => typeof a !== 'string'))
          findings.push(fail(`${id}: proof type ${type} has no proof_signing_alg_values_supported strings`));
      }
    }
    const signing = c.credential_signing_alg_values_supported;
    if (c.format === 'mso_mdoc' && Array.isArray(signing) && signing.some((a) => typeof a !== 'number'))
      findings.push(warn(`${id}: credential_signing_alg_values_supported of mso_mdoc should be COSE algorithm numbers`));
  }
  return worst(findings, `${entries.length} configuration${entries.length === 1 ? '' : 's'}`);
}

async function checkAuthorizationServer(discovery: Discovery, http: CheckHttp, record: Record): Promise<void> {
  const as = discovery.authorizationServer;
  const spec = 'OID4VCI 1.0 §12.3; RFC 8414 §3';
  if (!as?.document) {
    record('authorization server metadata', fail(`${as?.url ?? discovery.authorizationServerId}: ${as?.failure ?? 'not found'}`), spec, as?.response?.ms);
    return;
  }
  const doc = as.document;
  const findings: Finding[] = [];
  if (as.fallbackUrl) findings.push(warn(`not at ${as.url}; found at ${as.fallbackUrl}`));
  if (doc.issuer !== discovery.authorizationServerId) findings.push(fail(`issuer ${String(doc.issuer)} is not ${discovery.authorizationServerId} (RFC 8414 §3.3)`));
  if (typeof doc.token_endpoint !== 'string') findings.push(fail('no token_endpoint'));
  else findings.push(...[httpsFinding(doc.token_endpoint, 'token_endpoint')].filter((f): f is Finding => f !== undefined));
  record('authorization server metadata', worst(findings, as.fallbackUrl ?? as.url), spec, as.response?.ms);
  const grants = doc.grant_types_supported;
  const preAuthorized = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
  record(
    'pre-authorized code grant',
    Array.isArray(grants) && grants.includes(preAuthorized)
      ? pass()
      : warn(Array.isArray(grants) ? `grant_types_supported lacks ${preAuthorized}` : `no grant_types_supported (RFC 8414's default has no ${preAuthorized})`),
    'OID4VCI 1.0 §12.3; RFC 8414 §2',
  );
  if (typeof doc.jwks_uri !== 'string') return record('authorization server keys', skip('no jwks_uri (OPTIONAL)'), 'RFC 8414 §2');
  try {
    const keys = await http.send('authorization-server-metadata', 'GET', doc.jwks_uri);
    const list = jsonObject(keys)?.keys;
    const secret = Array.isArray(list) ? list.filter((k) => isPlainObject(k) && ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k)) : [];
    record(
      'authorization server keys',
      keys.status !== 200 || !Array.isArray(list)
        ? fail(`${doc.jwks_uri}: HTTP ${keys.status}${Array.isArray(list) ? '' : ', no keys array'}`)
        : secret.length
          ? fail(`${secret.length} key(s) with private or symmetric members`)
          : pass(`${list.length} public key${list.length === 1 ? '' : 's'}`),
      'RFC 8414 §2; RFC 7517 §5',
      keys.ms,
    );
  } catch (error) {
    record('authorization server keys', fail(error instanceof HttpFailure ? error.message : String(error)), 'RFC 8414 §2');
  }
}

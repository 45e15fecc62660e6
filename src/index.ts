/**
 * The programmatic API (docs/api.md): each command's engine with its plan and reporter types, the
 * capture record, the event catalog, the signature schemes, and the errors with their exit codes.
 * Nothing else is exported: what is not here is internal and may change in any release.
 */

// offer create, claim
export { createOffer, type OfferRequest, type OfferResponse, type AuthMethod, type ValueMode } from './issuer/offers.js';
export { sessionEventsUrl, type IssuerConnection } from './issuer/endpoints.js';
export { claimOffer, NOTIFY_CHOICES, type NotifyChoice, type ClaimPlan, type ClaimResult, type ClaimStep, type ClaimedCredential, type ClaimReporter } from './wallet/claim.js';
export { claimWhileFollowing, type IssuancePlan } from './wallet/issuance.js';
export { offerReference } from './wallet/offer-input.js';
export { ClaimError, UntrustedCredentialError, type ClaimStepName } from './wallet/errors.js';
export type { DecodedCredential, SignatureCheck } from './wallet/credentials.js';
export type { CredentialTrust } from './wallet/trust.js';

// tail: following sessions over SSE
export { failureLine, followSessions, type FollowFailure, type FollowPlan, type FollowReporter, type FollowTarget } from './sse/follow.js';
export { SseStream, StreamError, type StreamOptions, type StreamHooks } from './sse/stream.js';

// the issuers' events
export { EVENT_CATALOG, type EventTypeEntry, type CatalogProvider } from './issuer/event-types.js';
export { eventFromSse, describeEvent, type IssuerEvent, type SseMessage } from './issuer/catalog.js';
export { judgeSessionStatus, type SessionOutcome } from './issuer/status.js';
export { parseCondition, conditionMet, type Condition } from './issuer/condition.js';

// listen, verify: webhooks and their signature schemes
export { runListener, type ListenPlan, type ListenReporter, type PublicUrl } from './webhooks/listener.js';
export { WebhookReceiver, type ReceiverOptions, type ReceiveResult } from './webhooks/receiver.js';
export {
  verifyDelivery,
  detectScheme,
  SCHEMES,
  SCHEME_NAMES,
  isSchemeName,
  isSchemeChoice,
  type SchemeName,
  type SchemeChoice,
  type Delivery,
  type Verdict,
  type VerifyContext,
  type SignatureScheme,
} from './webhooks/index.js';
export {
  openTunnel,
  exposeReceiver,
  TunnelError,
  TUNNEL_PROVIDERS,
  type Tunnel,
  type TunnelPlan,
  type TunnelHooks,
  type TunnelState,
  type TunnelProvider,
  type ExposedReceiver,
} from './tunnel/index.js';

// captures and replay
export { CaptureWriter } from './capture/writer.js';
export { readCaptures, validateCaptures, type RecordAt } from './capture/reader.js';
export type { CaptureRecord, CapturedRequest, Provider } from './capture/record.js';
export { replayToTarget, serveCaptured, type SendPlan, type ServePlan, type ReplaySource, type ReplayReporter } from './replay/engine.js';

// trigger
export { sendTrigger, buildTrigger, type TriggerPlan, type TriggerRequest, type TriggerResult } from './trigger/send.js';
export { triggerEntry } from './trigger/templates.js';
export { parseAssignment, type Assignment } from './shared/json-path.js';

// sandbox, demo, inspect
export { SandboxIssuer, type SandboxOptions } from './sandbox/server.js';
export { loadProfiles, BUILT_IN_PROFILES, type SandboxProfile, type CredentialFormat } from './sandbox/profiles.js';
export { FAULTS, type FaultName } from './sandbox/faults.js';
export { runDemo, type DemoPlan, type DemoReporter, type DemoResult } from './sandbox/demo.js';
export { runInspect, startInspector, type InspectPlan, type UiPlan, type InspectReporter } from './inspector/run.js';
export { InspectorServer, type InspectorOptions } from './inspector/server.js';

// check and its reports
export { runCheck, checkExitCode, type CheckPlan, type CheckReporter, type CheckOutcome, type LatencySummary } from './check/engine.js';
export { MODULES, MODULE_NAMES, type CheckModule, type ModuleName } from './check/modules.js';
export type { CheckResult, CheckStatus } from './report/checks.js';
export { junitXml } from './report/junit.js';
export { summaryMarkdown } from './report/summary.js';

// configuration, errors, durations
export { loadConfigFile, resolveSettings, type LoadedConfig, type ResolvedSettings } from './config/load.js';
export type { ConfigFile, Settings } from './config/schema.js';
export { CliError, UsageError, ConfigError, HttpError, NetworkError, ExitCode, type ErrorCode, type ErrorKind } from './errors.js';
export { parseDuration, parseSize, formatDuration } from './shared/duration.js';

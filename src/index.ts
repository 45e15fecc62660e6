/** Programmatic API: the same building blocks the CLI uses, for scripts and tests. */
export { createOffer, buildOfferBody, type OfferRequest, type OfferResponse, type AuthMethod, type ValueMode } from './issuer/offers.js';
export { offersUrl, sessionEventsUrl, oid4vciBase, followTarget, flavourOf, type IssuerConnection, type Flavour } from './issuer/endpoints.js';
export { eventFromSse, describeEvent, statusOf, sessionIdOf, type IssuerEvent, type SseMessage } from './issuer/catalog.js';
export { judgeSessionStatus, exitCodeForOutcome, type SessionOutcome } from './issuer/status.js';
export { parseCondition, conditionMet, type Condition } from './issuer/condition.js';
export { SessionStream, StreamError, type StreamOptions, type StreamHooks } from './sse/session-stream.js';
export { followSessions, type FollowPlan, type FollowReporter, type FollowTarget } from './sse/follow.js';
export { loadConfigFile, resolveSettings, type LoadedConfig, type ResolvedSettings } from './config/load.js';
export type { ConfigFile, Settings } from './config/schema.js';
export { CaptureWriter } from './capture/writer.js';
export { sseRecord, type CaptureRecord, type CapturedRequest, type Provider } from './capture/record.js';
export { createDispatcher } from './http/client.js';
export { CliError, UsageError, ConfigError, HttpError, NetworkError, ExitCode } from './errors.js';
export { parseDuration, parseSize, formatDuration, MAX_TIMER_MS } from './shared/duration.js';
export {
  verifyDelivery,
  detectScheme,
  signingSchemeNames,
  SCHEMES,
  SCHEME_NAMES,
  type Delivery,
  type Verdict,
  type VerifyContext,
  type SignatureScheme,
} from './webhooks/index.js';
export { WebhookReceiver, type ReceiverOptions, type ReceiveResult, type Acceptance } from './webhooks/receiver.js';
export { runListener, type ListenPlan, type ListenReporter, type PublicUrl } from './webhooks/listener.js';
export {
  openTunnel,
  ngrokProvider,
  loadNgrok,
  ngrokError,
  ngrokTokenProblem,
  relayRefusal,
  TunnelError,
  TUNNEL_PROVIDERS,
  CONNECT_TIMEOUT_MS,
  type Tunnel,
  type TunnelPlan,
  type TunnelHooks,
  type TunnelState,
  type TunnelTarget,
  type TunnelProvider,
  type TunnelFailure,
  type NgrokConnect,
  type NgrokForwardConfig,
  type NgrokListenerLike,
} from './tunnel/index.js';
export { forwardDelivery, type ForwardResult } from './webhooks/forward.js';
export { normalizePayload, type NormalizedPayload } from './webhooks/providers.js';
export { readCaptures, validateCaptures, type RecordAt } from './capture/reader.js';
export { toDelivery, type OutgoingDelivery, type ResignOptions } from './replay/delivery.js';
export { sendAll, type SendOptions, type SendResult } from './replay/sender.js';
export { replayToTarget, serveCaptured, type SendPlan, type ServePlan, type ReplaySource, type ReplayReporter } from './replay/engine.js';
export { parseFilters, wasRejected } from './replay/filter.js';
export { SandboxIssuer, type SandboxOptions } from './sandbox/server.js';
export { FAULTS, type FaultName } from './sandbox/faults.js';
export { runDemo, type DemoPlan, type DemoReporter, type DemoResult } from './sandbox/demo.js';
export { loadProfiles, BUILT_IN_PROFILES, type SandboxProfile, type CredentialFormat } from './sandbox/profiles.js';
export { validateOfferRequest } from './sandbox/validation.js';
export { claimOffer, NOTIFY_CHOICES, type NotifyChoice, type ClaimPlan, type ClaimResult, type ClaimStep, type ClaimedCredential, type ClaimReporter } from './wallet/claim.js';
export { claimWhileFollowing, type IssuancePlan } from './wallet/issuance.js';
export { offerReference } from './wallet/offer-input.js';
export { ClaimError, CLAIM_STEPS, UntrustedCredentialError, type ClaimErrorKind, type ClaimStepName } from './wallet/errors.js';
export type { DecodedCredential, SignatureCheck } from './wallet/credentials.js';
export type { CredentialTrust } from './wallet/trust.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './wallet/transport.js';
export { buildTrigger, sendTrigger, type TriggerPlan, type TriggerRequest, type TriggerResult } from './trigger/send.js';
export { samplePayload, triggerEntry, PROVIDER_SCHEMES, TRIGGER_PROVIDERS } from './trigger/templates.js';
export { EVENT_CATALOG, catalogEntry, type EventTypeEntry, type CatalogProvider } from './issuer/event-types.js';
export { parseAssignment, setPath, type Assignment } from './shared/json-path.js';
export type { Exchange, ExchangeTrace } from './http/client.js';
export { InspectorServer, type InspectorOptions } from './inspector/server.js';
export { RecordStore, type StoredRecord, type StoreLimits } from './inspector/store.js';
export { runInspect, startInspector, inspectingListener, type InspectPlan, type UiPlan, type InspectReporter } from './inspector/run.js';
export { replayRecords, type ReplaySettings, type ReplayOutcome } from './inspector/replay.js';
export { CaptureFollower } from './inspector/capture-follower.js';
export { tally, tallyLine, byModule, type CheckResult, type CheckStatus, type RunReport, type Tally } from './report/checks.js';
export { junitXml, mergeJunit } from './report/junit.js';
export { summaryMarkdown } from './report/summary.js';
export { writeReports, withReports, type ReportTargets } from './report/write.js';
export { IssuanceRecorder, ISSUANCE_MODULE } from './report/issuance.js';
export { runCheck, checkExitCode, SCENARIOS, type CheckPlan, type CheckReporter, type CheckOutcome, type LatencySummary } from './check/engine.js';
export { MODULES, MODULE_NAMES, selectModules, type CheckModule, type ModuleName } from './check/modules.js';

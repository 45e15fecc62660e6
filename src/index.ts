/** Programmatic API: the same building blocks the CLI uses, for scripts and tests. */
export { createOffer, buildOfferBody, type OfferRequest, type OfferResponse, type AuthMethod, type ValueMode } from './issuer/offers.js';
export { offersUrl, sessionEventsUrl, flavourOf, type IssuerConnection, type Flavour } from './issuer/endpoints.js';
export { eventFromSse, summarize, statusOf, sessionIdOf, type IssuerEvent, type SseMessage } from './issuer/catalog.js';
export { judgeStatus, exitCodeForOutcome, type Outcome } from './issuer/status.js';
export { parseCondition, conditionMet, type Condition } from './issuer/condition.js';
export { SessionStream, StreamError, type StreamOptions, type StreamHooks } from './sse/session-stream.js';
export { loadConfigFile, resolveSettings, type LoadedConfig, type ResolvedSettings } from './config/load.js';
export type { ConfigFile, Settings } from './config/schema.js';
export { CaptureWriter } from './capture/writer.js';
export { sseRecord, type CaptureRecord, type CapturedRequest, type Provider } from './capture/record.js';
export { createDispatcher } from './http/client.js';
export { CliError, UsageError, ConfigError, HttpError, NetworkError, ExitCode } from './errors.js';
export { parseDuration, parseSize } from './util/duration.js';

// Defaults that more than one layer states (the CLI's flag defaults and help, the engines' own
// fallbacks): each written once, here.

/** `--connect-timeout`: the bound on one connection attempt, up to the response headers. */
export const DEFAULT_CONNECT_TIMEOUT = '10s';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `tail --retries`: consecutive failed attempts before giving up. */
export const DEFAULT_TAIL_RETRIES = '10';

// In a module of its own: the CLI's flag parsing and completion name the choices without loading the wallet stack.

/** What the wallet tells the issuer after issuance (OID4VCI 1.0 §11): `--notify`; `none` sends nothing. */
export const NOTIFY_CHOICES = ['accepted', 'deleted', 'failure', 'none'] as const;
export type NotifyChoice = (typeof NOTIFY_CHOICES)[number];

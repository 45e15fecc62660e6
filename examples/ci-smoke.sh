#!/usr/bin/env bash
# CI gate: create a credential offer, claim it with the built-in OID4VCI wallet while following
# the session, and fail the build unless the issuance succeeds.
#
#   Against a real issuer: set ISSUER_EVENTS_BASE_URL (plus ISSUER_EVENTS_TARGET and
#   ISSUER_EVENTS_TOKEN for walt.id Enterprise). Without it, an embedded sandbox issuer is started
#   on a free port. WALLET=fail sends an invalid proof, WALLET=wrong-tx-code a wrong tx code: both
#   must fail the gate (exit 3), which is how you test that your pipeline notices.
#
# Exit code: the one of `offer create --claim` (0 issued, 3 refused/unsuccessful, 124 timed out, …).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# The installed binary if ISSUER_EVENTS_BIN names it, else this checkout's.
if [ -n "${ISSUER_EVENTS_BIN:-}" ]; then ie=("$ISSUER_EVENTS_BIN"); else ie=(node "$here/../bin/issuer-events.js"); fi
profile=${PROFILE:-openBadgeCredential}
timeout=${TIMEOUT:-60s}

if [ -z "${ISSUER_EVENTS_BASE_URL:-}" ]; then
  log=$(mktemp)
  "${ie[@]}" sandbox --port 0 2>"$log" &
  sandbox_pid=$!
  trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -f "$log"' EXIT
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^Ready! Sandbox issuer on \(http[^ ]*\).*/\1/p' "$log")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "${url:-}" ] || { echo "sandbox did not start:" >&2; cat "$log" >&2; exit 1; }
  export ISSUER_EVENTS_BASE_URL=$url
fi

wallet=()
case "${WALLET:-${SANDBOX_OUTCOME:-success}}" in
  fail) wallet=(--invalid-proof) ;;
  wrong-tx-code) wallet=(--tx-code 123456 --claim-tx-code 000000) ;;
esac

echo "issuing $profile at $ISSUER_EVENTS_BASE_URL" >&2
set +e
"${ie[@]}" offer create --profile "$profile" --claim --timeout "$timeout" ${wallet[@]+"${wallet[@]}"}
code=$?
set -e
echo "issuance gate: exit $code" >&2
exit "$code"

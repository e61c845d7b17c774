#!/usr/bin/env bash
# Ensures the infrastructure PSA needs on this machine: PostgreSQL (and the PSA_DATABASE_URL
# database), NATS with JetStream and Redis, installed with apt when missing and started when
# not running. With --browser, also Chromium and ChromeDriver for the browser tests; with
# --mail, Dovecot for the email-to-ticket IMAP tests; with --ldap, slapd and ldap-utils for the
# LDAP login tests.
# Idempotent; used by scripts/run.sh and scripts/test.sh. The wasm tooling is
# scripts/build-web.sh's business.
#
#   scripts/deps.sh [--browser] [--mail] [--ldap]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

browser=0
mail=0
ldap=0
for arg in "$@"; do
  case "$arg" in
  --browser) browser=1 ;;
  --mail) mail=1 ;;
  --ldap) ldap=1 ;;
  -h | --help)
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown argument: $arg (try --help)" ;;
  esac
done

ensure_infrastructure
if ((browser)); then ensure_chromium; fi
if ((mail)); then ensure_dovecot; fi
if ((ldap)); then ensure_slapd; fi

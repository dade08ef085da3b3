#!/usr/bin/env bash
# npm run test:ha — PostgreSQL failover under load, on a pg_auto_failover formation
# (a monitor, a primary and a synchronous hot standby on free loopback ports).
# Installs the Debian packages when missing, as .ci/run does for Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pg_autoctl >/dev/null || ! ls /usr/lib/postgresql/*/lib/pgautofailover.so >/dev/null 2>&1; then
  echo "pg_auto_failover is missing; installing it."
  major="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "postgresql-${major}-auto-failover" pg-auto-failover-cli
fi

exec npx vitest run --config vitest.ha.config.ts "$@"

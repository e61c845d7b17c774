#!/usr/bin/env bash
# Runs PSA locally: installs/starts PostgreSQL, NATS (JetStream) and Redis when missing, builds
# the web client and the four binaries, creates (idempotently) the tenant `demo` with its admin
# `admin@demo.example`, starts identity, contracts, tickets and the gateway as separate
# processes and waits. Ctrl-C (or SIGTERM) stops them all and exits 0; if one of them dies, the
# others are stopped and the script exits non-zero with the end of its log.
#
#   scripts/run.sh
#
# Data stays in the database between runs. Logs: .psa/logs/<service>.log.
# Environment: every PSA_* variable of the README is passed through to the services;
#   PSA_ADMIN_PASSWORD   the admin's password when the admin is created (else one is generated)
#   PSA_RUN_FOLLOW=0|1   copy the services' logs to the terminal (default: 1 on a terminal)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PSA_ROOT"

readonly SERVICES=(identity contracts tickets gateway)
readonly TENANT=demo TENANT_NAME="Demo MSP" ADMIN_EMAIL=admin@demo.example
LOG_DIR=$PSA_STATE_DIR/logs
PID_FILE=$PSA_STATE_DIR/run.pids
PASSWORD_FILE=$PSA_STATE_DIR/admin-password
mkdir -p "$LOG_DIR"

if [[ -n ${PSA_RUN_FOLLOW:-} ]]; then FOLLOW=$PSA_RUN_FOLLOW; elif [[ -t 1 ]]; then FOLLOW=1; else FOLLOW=0; fi

# ---------------------------------------------------------------------------------------------
# Addresses: the listen address of each service, and the URL the others use to reach it. When
# only PSA_<X>_ADDR is overridden, PSA_<X>_URL follows it.

declare -A ADDR=(
  [identity]=${PSA_IDENTITY_ADDR:-127.0.0.1:50051}
  [contracts]=${PSA_CONTRACTS_ADDR:-127.0.0.1:50052}
  [tickets]=${PSA_TICKETS_ADDR:-127.0.0.1:50053}
  [gateway]=${PSA_GATEWAY_ADDR:-127.0.0.1:8080}
)
for svc in identity contracts tickets; do
  addr_var=PSA_${svc^^}_ADDR url_var=PSA_${svc^^}_URL
  if [[ -n ${!addr_var:-} && -z ${!url_var:-} ]]; then
    read -r h p < <(addr_host_port "${ADDR[$svc]}")
    export "$url_var=http://$h:$p"
  fi
done
read -r GATEWAY_HOST GATEWAY_PORT < <(addr_host_port "${ADDR[gateway]}")
[[ $GATEWAY_HOST == *:* ]] && GATEWAY_HOST="[$GATEWAY_HOST]"
GATEWAY_URL="http://$GATEWAY_HOST:$GATEWAY_PORT"

# ---------------------------------------------------------------------------------------------
# A previous run: still going (refuse), or killed without cleaning up (stop its orphans).

if [[ -f $PID_FILE ]]; then
  while read -r name pid; do
    if [[ -z ${pid:-} ]] || ! kill -0 "$pid" 2>/dev/null; then continue; fi
    if [[ $name == run ]]; then
      die "scripts/run.sh is already running (pid $pid); stop it with Ctrl-C or: kill $pid"
    fi
    if [[ $(readlink "/proc/$pid/exe" 2>/dev/null || true) == */psa-"$name" ]]; then
      warn "stopping psa-$name (pid $pid) left over from a previous run"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in {1..40}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$PID_FILE"
  rm -f "$PID_FILE"
fi

for svc in "${SERVICES[@]}"; do
  read -r h p < <(addr_host_port "${ADDR[$svc]}")
  if port_open "$h" "$p"; then
    die "$h:$p (psa-$svc) is already in use by another program; stop it or set PSA_${svc^^}_ADDR"
  fi
done

# ---------------------------------------------------------------------------------------------
# Infrastructure, web client, binaries

log "infrastructure"
bash "$PSA_ROOT/scripts/deps.sh"

log "web client (scripts/build-web.sh)"
bash "$PSA_ROOT/scripts/build-web.sh"

log "building the services (cargo build)"
cargo build -p psa-identity -p psa-contracts -p psa-tickets -p psa-gateway
BIN_DIR=$(cargo_target_dir)/debug
for svc in "${SERVICES[@]}"; do
  [[ -x $BIN_DIR/psa-$svc ]] || die "cargo build did not produce $BIN_DIR/psa-$svc"
done

# ---------------------------------------------------------------------------------------------
# Tenant and admin (also applies identity's migrations)

log "platform tenant '$TENANT' and its Super Admin $ADMIN_EMAIL (psa-identity bootstrap --platform)"
BOOT_OUT=$LOG_DIR/bootstrap.out
if ! "$BIN_DIR/psa-identity" bootstrap --platform --tenant "$TENANT" --tenant-name "$TENANT_NAME" --email "$ADMIN_EMAIL" \
  >"$BOOT_OUT" 2>"$LOG_DIR/bootstrap.log" </dev/null; then
  cat "$BOOT_OUT" >&2
  tail -n 40 "$LOG_DIR/bootstrap.log" >&2
  die "psa-identity bootstrap failed (log: $LOG_DIR/bootstrap.log)"
fi
grep -v 'admin password:' "$BOOT_OUT" | sed 's/^/   /' >&2 || true
GENERATED=$(sed -n 's/.*admin password: *\([^[:space:]]*\).*/\1/p' "$BOOT_OUT" | tail -n 1)
if [[ -n $GENERATED ]]; then
  (umask 077 && printf '%s\n' "$GENERATED" >"$PASSWORD_FILE")
  PASSWORD_LINE="$GENERATED   (generated; also saved in ${PASSWORD_FILE#"$PSA_ROOT"/})"
elif grep -q 'created with PSA_ADMIN_PASSWORD' "$BOOT_OUT"; then
  rm -f "$PASSWORD_FILE"
  PASSWORD_LINE='the value of PSA_ADMIN_PASSWORD'
elif [[ -s $PASSWORD_FILE ]]; then
  PASSWORD_LINE="$(<"$PASSWORD_FILE")   (generated on the first run; ${PASSWORD_FILE#"$PSA_ROOT"/})"
else
  PASSWORD_LINE='unchanged: the admin already existed (PSA_ADMIN_PASSWORD applies only when it is created)'
fi

# ---------------------------------------------------------------------------------------------
# Processes

declare -A PID=()
STARTED=() TAILS=()

alive() { [[ -n ${PID[$1]:-} ]] && kill -0 "${PID[$1]}" 2>/dev/null; }

write_pid_file() {
  {
    printf 'run %s\n' "$$"
    local s
    for s in "${STARTED[@]}"; do printf '%s %s\n' "$s" "${PID[$s]}"; done
  } >"$PID_FILE"
}

start_service() {
  local svc=$1 logf=$LOG_DIR/$1.log
  [[ -f $logf ]] && mv -f "$logf" "$logf.1"
  : >"$logf"
  # Own session: the terminal's Ctrl-C reaches this script only, which stops them in order.
  if have setsid; then
    setsid "$BIN_DIR/psa-$svc" >"$logf" 2>&1 </dev/null &
  else
    "$BIN_DIR/psa-$svc" >"$logf" 2>&1 </dev/null &
  fi
  PID[$svc]=$!
  STARTED+=("$svc")
  write_pid_file
  if [[ $FOLLOW == 1 ]]; then
    local prefix
    prefix=$(printf '%-9s | ' "$svc")
    tail -n +1 -F --pid="${PID[$svc]}" "$logf" 2>/dev/null | sed -u "s/^/$prefix/" &
    TAILS+=($!)
  fi
  log "started psa-$svc (pid ${PID[$svc]}, log ${logf#"$PSA_ROOT"/})"
}

# stop SVC...: SIGTERM, then up to 10 s to drain, then SIGKILL.
stop_group() {
  local svc live=() i
  for svc in "$@"; do
    if alive "$svc"; then
      kill -TERM "${PID[$svc]}" 2>/dev/null || true
      live+=("$svc")
    fi
  done
  ((${#live[@]})) || return 0
  log "stopping ${live[*]}"
  for ((i = 0; i < 40; i++)); do
    local any=0
    for svc in "${live[@]}"; do alive "$svc" && any=1; done
    ((any)) || break
    [[ ${FORCE:-0} == 1 ]] && break
    sleep 0.25
  done
  for svc in "${live[@]}"; do
    if alive "$svc"; then
      warn "psa-$svc did not stop within 10 s: killing it"
      kill -KILL "${PID[$svc]}" 2>/dev/null || true
    fi
    local rc=0
    wait "${PID[$svc]}" 2>/dev/null || rc=$?
    if ((rc != 0 && rc != 143)); then warn "psa-$svc exited with status $rc (log: $LOG_DIR/$svc.log)"; fi
  done
}

STOPPING=0
stop_all() {
  ((STOPPING)) && return 0
  STOPPING=1
  trap 'FORCE=1' INT TERM
  # The gateway first, so in-flight requests can still reach the services while it drains.
  stop_group gateway
  stop_group tickets contracts
  stop_group identity
  local t
  for t in "${TAILS[@]}"; do kill "$t" 2>/dev/null || true; done
  rm -f "$PID_FILE"
}

# died SVC: a process ended on its own: stop the others, show its log, exit non-zero.
died() {
  local svc=$1 rc=0
  wait "${PID[$svc]}" 2>/dev/null || rc=$?
  printf '\n' >&2
  warn "psa-$svc exited unexpectedly (status $rc); last lines of $LOG_DIR/$svc.log:"
  tail -n 40 "$LOG_DIR/$svc.log" | sed 's/^/    /' >&2
  stop_all
  exit 1
}

on_signal() {
  printf '\n' >&2
  log "stopping (signal received)"
  stop_all
  log "stopped"
  exit 0
}

trap on_signal INT TERM
trap stop_all EXIT

# start_and_wait SVC...: start them, then wait for their ports.
start_and_wait() {
  local svc h p
  for svc in "$@"; do start_service "$svc"; done
  for svc in "$@"; do
    read -r h p < <(addr_host_port "${ADDR[$svc]}")
    wait_port "$h" "$p" 60 "${PID[$svc]}" || {
      alive "$svc" || died "$svc"
      stop_all
      die "psa-$svc did not listen on $h:$p within 60 s (log: $LOG_DIR/$svc.log)"
    }
  done
}

start_and_wait identity
start_and_wait contracts tickets
start_and_wait gateway

log "waiting for $GATEWAY_URL/readyz"
ready=0
for ((i = 0; i < 240; i++)); do
  for svc in "${SERVICES[@]}"; do alive "$svc" || died "$svc"; done
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$GATEWAY_URL/readyz" || true)
  if [[ $code == 200 ]]; then
    ready=1
    break
  fi
  sleep 0.25
done
if ((!ready)); then
  stop_all
  die "the gateway did not become ready within 60 s ($GATEWAY_URL/readyz answered '${code:-nothing}'; log: $LOG_DIR/gateway.log)"
fi

cat >&2 <<EOF

${_c_green}PSA is running:${_c_off} $GATEWAY_URL
  tenant:   $TENANT
  email:    $ADMIN_EMAIL
  password: $PASSWORD_LINE
  logs:     ${LOG_DIR#"$PSA_ROOT"/}/{identity,contracts,tickets,gateway}.log
Press Ctrl-C to stop.

EOF

# Supervise: wake when a child exits or a signal arrives.
while :; do
  pids=()
  for svc in "${SERVICES[@]}"; do pids+=("${PID[$svc]}"); done
  wait -n "${pids[@]}" 2>/dev/null || true
  for svc in "${SERVICES[@]}"; do alive "$svc" || died "$svc"; done
done

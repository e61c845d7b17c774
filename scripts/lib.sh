# shellcheck shell=bash
# Shared helpers for scripts/*.sh: logging, root/apt, and the local infrastructure
# (PostgreSQL, NATS with JetStream, Redis, Chromium). Source it; do not run it.
#
# Every ensure_* function is idempotent: it installs what is missing (Debian/Ubuntu, apt) and
# starts what is not running, for the host named in the matching PSA_* URL when that host is
# this machine. A remote host is only checked for reachability.

# Repository root (this file lives in <root>/scripts/).
PSA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PSA_STATE_DIR="${PSA_STATE_DIR:-$PSA_ROOT/.psa}"
export DEBIAN_FRONTEND=noninteractive

# The defaults every binary uses (crates/psa-kit/src/config.rs); scripts read the same names.
PSA_DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/psa"
PSA_DEFAULT_NATS_URL="nats://127.0.0.1:4222"
PSA_DEFAULT_REDIS_URL="redis://127.0.0.1:6379"

# ---------------------------------------------------------------------------------------------
# Logging

if [[ -t 2 ]]; then
  _c_blue=$'\033[1;34m' _c_yellow=$'\033[1;33m' _c_red=$'\033[1;31m' _c_green=$'\033[1;32m' _c_off=$'\033[0m'
else
  _c_blue='' _c_yellow='' _c_red='' _c_green='' _c_off=''
fi

log() { printf '%s==>%s %s\n' "$_c_blue" "$_c_off" "$*" >&2; }
ok() { printf '%s ok%s %s\n' "$_c_green" "$_c_off" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_c_yellow" "$_c_off" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$_c_red" "$_c_off" "$*" >&2
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif have sudo; then
    # Ask for a password only when someone can type it.
    if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
  else
    die "need root for: $* (run as root, or install sudo)"
  fi
}

can_be_root() { [[ $(id -u) -eq 0 ]] || have sudo; }

# Runs a command as the operating-system user `postgres` (peer authentication on the socket).
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    if have runuser; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  elif have sudo; then
    sudo -u postgres "$@"
  else
    die "need root or sudo to run as the postgres user: $*"
  fi
}

# ---------------------------------------------------------------------------------------------
# Network helpers

# port_open HOST PORT: true when a TCP connection succeeds within 2 s.
port_open() {
  local host=$1 port=$2
  host=${host#[}
  host=${host%]}
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

# wait_port HOST PORT SECONDS [PID]: waits until the port accepts; fails early if PID exits.
wait_port() {
  local host=$1 port=$2 secs=$3 pid=${4:-} i
  for ((i = 0; i < secs * 4; i++)); do
    port_open "$host" "$port" && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.25
  done
  return 1
}

is_local_host() {
  case "$1" in
  '' | 127.* | localhost | ::1 | '[::1]' | 0.0.0.0 | '[::]' | ::) return 0 ;;
  *) return 1 ;;
  esac
}

# parse_url URL DEFAULT_PORT: sets URL_USER URL_PASS URL_HOST URL_PORT URL_PATH URL_QUERY.
parse_url() {
  local url=$1 default_port=$2
  local re='^([a-zA-Z][a-zA-Z0-9+.-]*)://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?(/([^?]*))?(\?.*)?$'
  [[ $url =~ $re ]] || die "cannot parse URL: $url"
  URL_USER=${BASH_REMATCH[3]}
  URL_PASS=${BASH_REMATCH[5]}
  URL_HOST=${BASH_REMATCH[6]:-127.0.0.1}
  URL_PORT=${BASH_REMATCH[8]:-$default_port}
  URL_PATH=${BASH_REMATCH[10]}
  URL_QUERY=${BASH_REMATCH[11]}
}

# addr_host_port ADDR: "host port" to connect to for a listen address such as 0.0.0.0:8080.
addr_host_port() {
  local addr=$1 host port
  port=${addr##*:}
  host=${addr%:*}
  host=${host#[}
  host=${host%]}
  case "$host" in '' | 0.0.0.0 | ::) host=127.0.0.1 ;; esac
  printf '%s %s\n' "$host" "$port"
}

# ---------------------------------------------------------------------------------------------
# Packages

_PSA_APT_UPDATED=${_PSA_APT_UPDATED:-0}

# ensure_apt_packages PKG...: installs the packages that are not installed yet.
ensure_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  have apt-get || die "missing packages ${missing[*]} and no apt-get: install them by hand"
  can_be_root || die "missing packages ${missing[*]}: run as root or install sudo"
  log "installing ${missing[*]} (apt)"
  # Wait for a concurrent apt/dpkg instead of failing on its lock.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  if [[ $_PSA_APT_UPDATED != 1 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq || die "apt-get update failed"
    _PSA_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# The PSA_DATABASE_URL with its database replaced by `postgres` (for admin queries).
_pg_admin_url() {
  local url=${PSA_DATABASE_URL:-$PSA_DEFAULT_DATABASE_URL}
  parse_url "$url" 5432
  local cred=''
  if [[ -n $URL_USER ]]; then
    cred=$URL_USER
    [[ -n $URL_PASS ]] && cred+=":$URL_PASS"
    cred+='@'
  fi
  printf 'postgres://%s%s:%s/postgres%s\n' "$cred" "$URL_HOST" "$URL_PORT" "$URL_QUERY"
}

_pg_try() { PGCONNECT_TIMEOUT=5 psql "$(_pg_admin_url)" -X -q -tAc 'select 1' >/dev/null 2>&1; }

# _pg_start_local PORT: starts the local cluster(s) configured for PORT (creating a cluster
# when the machine has none).
_pg_start_local() {
  local port=$1 clusters v
  clusters=$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p {print $1 " " $2}')
  if [[ -z $clusters ]]; then
    if [[ -n $(pg_lsclusters -h 2>/dev/null) ]]; then
      die "no local PostgreSQL cluster uses port $port (pg_lsclusters); fix PSA_DATABASE_URL"
    fi
    # Server package present but no cluster (e.g. it was dropped): create the default one.
    # shellcheck disable=SC2012 # version directories: plain names
    v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
    [[ -n $v ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    log "creating PostgreSQL $v cluster 'main' on port $port"
    as_root pg_createcluster --port "$port" "$v" main >/dev/null
    clusters="$v main"
  fi
  local ver name
  while read -r ver name; do
    log "starting PostgreSQL $ver/$name"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start 2>&1 | grep -v 'already running' >&2 || true
  done <<<"$clusters"
}

# ensure_postgres: server installed, running and reachable as PSA_DATABASE_URL's user.
ensure_postgres() {
  parse_url "${PSA_DATABASE_URL:-$PSA_DEFAULT_DATABASE_URL}" 5432
  local host=$URL_HOST port=$URL_PORT user=${URL_USER:-$(id -un)}
  if ! port_open "$host" "$port"; then
    is_local_host "$host" || die "PostgreSQL at $host:$port is not reachable (PSA_DATABASE_URL)"
    if ! have pg_ctlcluster || [[ ! -d /usr/lib/postgresql ]]; then
      ensure_apt_packages postgresql postgresql-client
    fi
    _pg_start_local "$port"
    wait_port "$host" "$port" 30 || die "PostgreSQL did not start listening on $host:$port (see /var/log/postgresql/)"
  fi
  have psql || ensure_apt_packages postgresql-client
  if ! _pg_try; then
    is_local_host "$host" || die "cannot connect to PostgreSQL as '$user' at $host:$port: check PSA_DATABASE_URL"
    [[ $user == postgres && -z $URL_PASS ]] \
      || die "cannot connect to PostgreSQL as '$user' at $host:$port: check PSA_DATABASE_URL (user, password)"
    # A fresh Debian cluster asks for a password on TCP; allow local development without one.
    local hba
    hba=$(as_postgres psql -p "$port" -X -tAc 'show hba_file' 2>/dev/null) || die "cannot connect to PostgreSQL over its socket as the postgres user"
    [[ -n $hba ]] || die "cannot find pg_hba.conf"
    if ! as_root grep -q '# psa: local development' "$hba"; then
      log "configuring PostgreSQL for local development: trust for 127.0.0.1/32 and ::1/128 in $hba"
      local tmp
      tmp=$(mktemp)
      {
        printf '# psa: local development (added by scripts/deps.sh): no password on loopback TCP\n'
        printf 'host    all             all             127.0.0.1/32            trust\n'
        printf 'host    all             all             ::1/128                 trust\n'
        as_root cat "$hba"
      } >"$tmp"
      as_root cp "$hba" "$hba.psa-backup"
      as_root sh -c "cat '$tmp' > '$hba'"
      rm -f "$tmp"
      warn "changed $hba (backup: $hba.psa-backup): loopback TCP connections no longer need a password"
    fi
    as_postgres psql -p "$port" -X -q -tAc 'select pg_reload_conf()' >/dev/null
    sleep 1
    _pg_try || die "still cannot connect to PostgreSQL as '$user' at $host:$port"
  fi
  ok "PostgreSQL at $host:$port"
}

# ensure_database: the database named in PSA_DATABASE_URL exists (created when missing).
ensure_database() {
  parse_url "${PSA_DATABASE_URL:-$PSA_DEFAULT_DATABASE_URL}" 5432
  local db=${URL_PATH:-psa} exists
  [[ $db =~ ^[A-Za-z0-9_]+$ ]] || die "unexpected database name '$db' in PSA_DATABASE_URL"
  exists=$(PGCONNECT_TIMEOUT=5 psql "$(_pg_admin_url)" -X -tAc "select 1 from pg_database where datname='$db'") \
    || die "cannot query PostgreSQL"
  if [[ $exists != 1 ]]; then
    log "creating database $db"
    psql "$(_pg_admin_url)" -X -q -c "create database \"$db\"" || die "cannot create database $db"
  fi
  ok "database $db"
}

# ---------------------------------------------------------------------------------------------
# NATS

# nats_has_jetstream HOST PORT: asks the server's JetStream API for the account info.
nats_has_jetstream() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\nSUB _INBOX.psa.js 1\r\nPUB \$JS.API.INFO _INBOX.psa.js 0\r\n\r\nPING\r\n" >&3
    while IFS= read -r -t 4 line <&3; do
      case "$line" in
      MSG\ _INBOX.psa.js*)
        IFS= read -r -t 2 payload <&3 || exit 1
        case "$payload" in *\"error\"*) exit 1 ;; *) exit 0 ;; esac ;;
      -ERR*) exit 1 ;;
      esac
    done
    exit 1' _ "$1" "$2" 2>/dev/null
}

ensure_nats() {
  parse_url "${PSA_NATS_URL:-$PSA_DEFAULT_NATS_URL}" 4222
  local host=$URL_HOST port=$URL_PORT
  if ! port_open "$host" "$port"; then
    is_local_host "$host" || die "NATS at $host:$port is not reachable (PSA_NATS_URL)"
    have nats-server || [[ -x /usr/sbin/nats-server ]] || ensure_apt_packages nats-server
    local bin
    bin=$(command -v nats-server || echo /usr/sbin/nats-server)
    log "starting nats-server with JetStream on 127.0.0.1:$port"
    if can_be_root; then
      # The machine's usual store for the default port; its own directory for another port.
      local sd=/var/lib/nats-server log=/var/log/nats-server.log
      if [[ $port != 4222 ]]; then sd=/var/lib/nats-server/psa-$port log=/var/log/nats-server-$port.log; fi
      as_root mkdir -p "$sd"
      # The pid file makes the "already running" test about this port's server only.
      as_root start-stop-daemon --start --oknodo --background --make-pidfile \
        --pidfile "/run/psa-nats-server-$port.pid" --exec "$bin" -- \
        -a 127.0.0.1 -p "$port" -js -sd "$sd" -l "$log"
    else
      mkdir -p "$PSA_STATE_DIR/nats" "$PSA_STATE_DIR/logs"
      nohup "$bin" -a 127.0.0.1 -p "$port" -js -sd "$PSA_STATE_DIR/nats" \
        -l "$PSA_STATE_DIR/logs/nats-server.log" >/dev/null 2>&1 &
      disown || true
    fi
    wait_port "$host" "$port" 15 || die "nats-server did not start listening on $host:$port (see /var/log/nats-server.log)"
  fi
  if ! nats_has_jetstream "$host" "$port"; then
    warn "NATS at $host:$port did not answer the JetStream API: the services need JetStream (nats-server -js)"
  fi
  ok "NATS (JetStream) at $host:$port"
}

# ---------------------------------------------------------------------------------------------
# Redis

ensure_redis() {
  parse_url "${PSA_REDIS_URL:-$PSA_DEFAULT_REDIS_URL}" 6379
  local host=$URL_HOST port=$URL_PORT
  if ! port_open "$host" "$port"; then
    is_local_host "$host" || die "Redis at $host:$port is not reachable (PSA_REDIS_URL)"
    have redis-server || ensure_apt_packages redis-server
    # The package's own start (where it has an init system) may already have brought it up.
    if ! wait_port "$host" "$port" 1; then
      log "starting redis-server on 127.0.0.1:$port (nothing kept on disk)"
      mkdir -p "$PSA_STATE_DIR/logs"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir /tmp --logfile "$PSA_STATE_DIR/logs/redis.log" >/dev/null
    fi
    wait_port "$host" "$port" 15 || die "redis-server did not start listening on $host:$port"
  fi
  ok "Redis at $host:$port"
}

# ---------------------------------------------------------------------------------------------
# Browser tests

# The browser tests (tests/tests/browser.rs) use Debian's /usr/bin/chromium and chromedriver.
ensure_chromium() {
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    ensure_apt_packages chromium chromium-driver
  fi
  ok "chromium and chromedriver"
}

# OpenLDAP's slapd and the ldap-utils client tools: the LDAP login tests start a private
# slapd (psa_testkit::slapd). The package's own instance is not needed (nothing is configured).
ensure_slapd() {
  if [[ ! -x /usr/sbin/slapd ]] || ! have ldapadd; then
    ensure_apt_packages slapd ldap-utils
  fi
  ok "slapd and ldap-utils"
}

# Dovecot's IMAP server for the email-to-ticket tests: they start their own instance as the
# current user (temp dir, random port, self-signed TLS), so the system service is not needed
# and is left stopped when this installs it.
ensure_dovecot() {
  if [[ ! -x /usr/sbin/dovecot ]]; then
    ensure_apt_packages dovecot-imapd
    if have systemctl && [[ -d /run/systemd/system ]]; then
      as_root systemctl disable --now dovecot >/dev/null 2>&1 || true
    fi
  fi
  ok "dovecot (IMAP test server)"
}

# ---------------------------------------------------------------------------------------------
# Misc

ensure_curl() { have curl || ensure_apt_packages curl ca-certificates; }

# ensure_infrastructure: everything the services need at run time.
ensure_infrastructure() {
  ensure_curl
  ensure_postgres
  ensure_database
  ensure_nats
  ensure_redis
}

# The cargo target directory (CARGO_TARGET_DIR or <root>/target).
cargo_target_dir() {
  local dir=${CARGO_TARGET_DIR:-$PSA_ROOT/target}
  [[ $dir == /* ]] || dir=$PSA_ROOT/$dir
  printf '%s\n' "$dir"
}

# fmt_duration SECONDS -> "1m05s" / "42s"
fmt_duration() {
  local s=$1
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

#!/usr/bin/env bash
# Checks docker-compose.yml: it parses (with `docker compose config` or `docker-compose config`
# when one of them is installed, else with Python's YAML parser), its structure is the one
# the README describes, and every PSA_* variable it sets is one the Rust code reads (a literal
# "PSA_FOO" or a config struct field `foo`, read through psa-kit's `PSA_` prefix).
#
#   scripts/check-compose.sh [FILE]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PSA_ROOT"

file=${1:-docker-compose.yml}
[[ -f $file ]] || die "$file not found"

# 1. The Compose implementation's own validation, when one is installed (it needs no engine).
if docker compose version >/dev/null 2>&1; then
  docker compose -f "$file" config -q || die "docker compose config rejected $file"
  ok "docker compose config"
elif have docker-compose; then
  docker-compose -f "$file" config -q || die "docker-compose config rejected $file"
  ok "docker-compose config"
else
  log "no docker compose here: checking $file with Python only"
fi

# 2. Structure and variables.
python=python3
if ! { have python3 && python3 -c 'import yaml' 2>/dev/null; }; then
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    python=/usr/bin/python3
  else
    ensure_apt_packages python3 python3-yaml
    python=/usr/bin/python3
  fi
fi

"$python" - "$file" <<'PY'
import os, re, sys
import yaml

path = sys.argv[1]
errors = []
with open(path) as f:
    doc = yaml.safe_load(f)
if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
    sys.exit(f"{path}: no services")
services = doc["services"]
volumes = doc.get("volumes") or {}

want = {"postgres", "nats", "redis", "bootstrap", "identity", "contracts", "tickets", "gateway"}
for name in sorted(want - services.keys()):
    errors.append(f"service '{name}' is missing")

apps = {"identity": "psa-identity", "contracts": "psa-contracts", "tickets": "psa-tickets",
        "gateway": "psa-gateway", "bootstrap": "psa-identity"}

def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            k, _, v = str(item).partition("=")
            out[k] = v if "=" in str(item) else None
        return out
    return dict(env)

def command_of(svc):
    cmd = svc.get("command")
    if isinstance(cmd, str):
        return cmd.split()
    return [str(c) for c in cmd or []]

for name, svc in services.items():
    if not isinstance(svc, dict):
        errors.append(f"service '{name}' is not a mapping")
        continue
    if "image" not in svc and "build" not in svc:
        errors.append(f"service '{name}' has neither image nor build")
    build = svc.get("build")
    if build is not None:
        ctx = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        if not os.path.isfile(os.path.join(os.path.dirname(path) or ".", ctx, dockerfile)):
            errors.append(f"service '{name}': {ctx}/{dockerfile} not found")
    deps = svc.get("depends_on") or {}
    for dep in (deps if isinstance(deps, (list, dict)) else []):
        if dep not in services:
            errors.append(f"service '{name}' depends on unknown service '{dep}'")
    if isinstance(deps, dict):
        for dep, spec in deps.items():
            cond = (spec or {}).get("condition", "service_started")
            if cond == "service_healthy" and "healthcheck" not in services.get(dep, {}):
                errors.append(f"service '{name}' waits for '{dep}' to be healthy but it has no healthcheck")
    for vol in svc.get("volumes") or []:
        src = (vol.get("source") if isinstance(vol, dict) else str(vol).split(":")[0]) or ""
        if src and not src.startswith((".", "/", "~", "$")) and src not in volumes:
            errors.append(f"service '{name}' uses undeclared volume '{src}'")
    if name in apps:
        cmd = command_of(svc)
        if not cmd or cmd[0] != apps[name]:
            errors.append(f"service '{name}' should run {apps[name]}, runs {cmd}")

if "-js" not in command_of(services.get("nats", {})):
    errors.append("nats must run with -js (JetStream)")
if services.get("bootstrap") and "bootstrap" not in command_of(services["bootstrap"]):
    errors.append("the bootstrap service must run `psa-identity bootstrap`")
ports = [str(p) for p in (services.get("gateway", {}).get("ports") or [])]
if not any(p.split(":")[-1].split("/")[0] == "8080" for p in ports):
    errors.append("the gateway must publish port 8080")

# Every PSA_* variable set must be read by the code: a literal "PSA_X" in Rust source, or a
# field `x` of a config struct (psa-kit reads PSA_-prefixed variables into serde fields).
# A field declaration `name: Type,` (not a struct literal `name: value(),`).
TYPE = r"(?:[A-Z][\w:<>, ]*|[ui](?:8|16|32|64|128|size)|f32|f64|bool|std::[\w:<>, ]+)\s*,?\s*(?://.*)?$"
sources = []
for top in ("crates", "services", "gateway"):
    for root, dirs, files in os.walk(top):
        # The test harness builds configs; what counts is what the binaries read.
        dirs[:] = [d for d in dirs if d not in ("target", "psa-testkit")]
        for fn in files:
            if fn.endswith(".rs"):
                with open(os.path.join(root, fn), encoding="utf-8", errors="replace") as f:
                    sources.append(f.read())
code = "\n".join(sources)

used = {}
for name, svc in services.items():
    if isinstance(svc, dict):
        for var in env_of(svc):
            if var.startswith("PSA_"):
                used.setdefault(var, []).append(name)

for var, where in sorted(used.items()):
    field = var[len("PSA_"):].lower()
    literal = re.search(r'"' + re.escape(var) + r'"', code)
    decl = re.search(r"^\s*(pub(\([^)]*\))?\s+)?" + re.escape(field) + r"\s*:\s*" + TYPE, code, re.M)
    if not (literal or decl):
        errors.append(f"{var} (set for {', '.join(where)}) is not read by the code: "
                      f'no "{var}" and no config field `{field}` in crates/, services/, gateway/')

if errors:
    print(f"{path}: {len(errors)} problem(s):", file=sys.stderr)
    for e in errors:
        print(f"  - {e}", file=sys.stderr)
    sys.exit(1)
print(f"{path}: {len(services)} services; PSA_* variables read by the code: {', '.join(sorted(used))}",
      file=sys.stderr)
PY
ok "$file"

#!/usr/bin/env bash
# Builds the Yew web client into web/dist/ (index.html, boot.js, style.css, psa_web.js,
# psa_web_bg.wasm).
#
#   scripts/build-web.sh            release build (small .wasm; what the gateway serves)
#   PSA_WEB_PROFILE=dev scripts/build-web.sh   faster unoptimised build while iterating
#
# Run from anywhere; works from the repository root. Needs rustup and cargo. Installs the
# wasm32 target and the wasm-bindgen CLI at exactly the version Cargo.lock pins, if missing.
# The crate is built only for wasm32, into its own target dir (target/web), so it never
# disturbs host builds (see BUILD.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

profile="${PSA_WEB_PROFILE:-release}"
target_dir="${CARGO_TARGET_DIR_WEB:-target/web}"
out_dir="web/dist"

log() { printf 'build-web: %s\n' "$*" >&2; }

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# 2. The wasm module (this also brings Cargo.lock up to date, read below).
cargo_flags=(-p psa-web --target wasm32-unknown-unknown)
out_profile=debug
if [[ "$profile" == "release" ]]; then
    cargo_flags+=(--release)
    out_profile=release
fi
log "cargo build ($profile)"
CARGO_TARGET_DIR="$target_dir" cargo build "${cargo_flags[@]}"
wasm="$target_dir/wasm32-unknown-unknown/$out_profile/psa_web.wasm"

# 3. wasm-bindgen CLI at the Cargo.lock version (the CLI and the library must match exactly).
wb_version="$(awk '
    $0 == "[[package]]" { name = "" }
    $1 == "name" && $3 == "\"wasm-bindgen\"" { name = "wasm-bindgen" }
    name == "wasm-bindgen" && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)"
if [[ -z "$wb_version" ]]; then
    log "cannot find wasm-bindgen in Cargo.lock"
    exit 1
fi
installed="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$installed" != "$wb_version" ]]; then
    log "installing wasm-bindgen-cli $wb_version (found: ${installed:-none}); takes ~2 minutes"
    # No --locked: the CLI's own lockfile pins a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$wb_version"
    rm -f "$out_dir/psa_web_bg.wasm"
fi

# 4. JS glue, then the static files. Skipped when the outputs are newer than their inputs.
mkdir -p "$out_dir"
if [[ ! -f "$out_dir/psa_web_bg.wasm" || "$wasm" -nt "$out_dir/psa_web_bg.wasm" ]]; then
    log "wasm-bindgen → $out_dir"
    wasm-bindgen --target web --no-typescript --out-dir "$out_dir" "$wasm"
fi
for f in index.html boot.js style.css; do
    if [[ ! -f "$out_dir/$f" ]] || ! cmp -s "web/$f" "$out_dir/$f"; then
        cp "web/$f" "$out_dir/$f"
    fi
done

size="$(du -h "$out_dir/psa_web_bg.wasm" | cut -f1)"
log "done: $out_dir (psa_web_bg.wasm $size)"

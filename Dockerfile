# syntax=docker/dockerfile:1
# One image for every PSA binary (psa-identity, psa-contracts, psa-tickets, psa-gateway) and
# the built web client; docker-compose.yml picks the command per service.
#
#   docker build -t psa:local .

# ---- build -------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
# Extra cargo features for the service binaries, e.g. --build-arg CARGO_FEATURES=single-tenant
ARG CARGO_FEATURES=""
WORKDIR /src
COPY . .
# The caches keep the registry and target/ between builds; the outputs are copied out of
# target/ in the same step (a cache mount is not part of the image).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    set -eux; \
    cargo build --release --locked \
        -p psa-identity -p psa-contracts -p psa-tickets -p psa-gateway \
        ${CARGO_FEATURES:+--features "$CARGO_FEATURES"}; \
    mkdir -p /out/bin; \
    for bin in psa-identity psa-contracts psa-tickets psa-gateway; do \
        cp "target/release/$bin" /out/bin/; \
    done; \
    bash scripts/build-web.sh; \
    mkdir -p /out/web; \
    cp -r web/dist /out/web/dist

# ---- runtime -----------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 psa; \
    useradd --system --uid 10001 --gid psa --home-dir /app --no-create-home --shell /usr/sbin/nologin psa
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/web/dist/ /app/web/dist/
WORKDIR /app
ENV PSA_WEB_DIR=/app/web/dist \
    PSA_LOG_FORMAT=json
USER psa:psa
EXPOSE 8080 50051 50052 50053
# docker-compose.yml sets the command per service; alone, the image runs the gateway.
CMD ["psa-gateway"]

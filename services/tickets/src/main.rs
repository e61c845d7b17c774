//! `psa-tickets` — serves the tickets service (config from `PSA_*`, see the README).

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry: psa_kit::config::TelemetryConfig = psa_kit::config::from_env()?;
    let _guard = psa_kit::telemetry::init("psa-tickets", &telemetry)?;
    let config = psa_tickets::Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(&config.settings.tickets_addr)
        .await
        .with_context(|| format!("binding {}", config.settings.tickets_addr))?;
    psa_tickets::run(config, listener, psa_kit::shutdown::on_signal()).await
}

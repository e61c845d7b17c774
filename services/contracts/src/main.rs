//! `psa-contracts` — serves the contracts service (config from `PSA_*`, see the README).

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry: psa_kit::config::TelemetryConfig = psa_kit::config::from_env()?;
    let _guard = psa_kit::telemetry::init("psa-contracts", &telemetry)?;
    let config = psa_contracts::Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(&config.settings.contracts_addr)
        .await
        .with_context(|| format!("binding {}", config.settings.contracts_addr))?;
    psa_contracts::run(config, listener, psa_kit::shutdown::on_signal()).await
}

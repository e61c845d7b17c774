//! `psa-gateway`: the public HTTP entry of the PSA platform. Configuration from `PSA_*`
//! environment variables (see [`psa_gateway::GatewayConfig`]); stops on SIGINT/SIGTERM.

use anyhow::Context as _;
use psa_gateway::GatewayConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config: GatewayConfig = psa_kit::config::from_env()?;
    let _telemetry = psa_kit::telemetry::init("psa-gateway", &config.telemetry)?;
    let listener = tokio::net::TcpListener::bind(&config.gateway_addr)
        .await
        .with_context(|| format!("binding {}", config.gateway_addr))?;
    psa_gateway::run(config, listener, psa_kit::shutdown::on_signal()).await
}

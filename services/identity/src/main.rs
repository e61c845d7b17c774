//! `psa-identity` — serve the identity service, or `psa-identity bootstrap --tenant SLUG
//! --tenant-name NAME --email EMAIL [--platform]` to create a tenant and its admin (password from
//! `PSA_ADMIN_PASSWORD`, else generated and printed once). With `--platform` the tenant becomes
//! the SaaS operator's platform tenant (unless one exists) and its admin a Super Admin, who can
//! then provision and suspend other tenants.
//!
//! `psa-identity publish-users [--tenant SLUG]` announces every staff user again
//! (`psa.identity.user.updated`), so the other services' user directories learn of users that
//! predate the user events (run it once after upgrading such an install).

use anyhow::Context as _;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry: psa_kit::config::TelemetryConfig = psa_kit::config::from_env()?;
    let _guard = psa_kit::telemetry::init("psa-identity", &telemetry)?;
    let config = psa_identity::Config::from_env()?;
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bootstrap") {
        let slug = arg(&args, "--tenant").unwrap_or_else(|| "demo".into());
        let name = arg(&args, "--tenant-name").unwrap_or_else(|| "Demo MSP".into());
        let email = arg(&args, "--email").unwrap_or_else(|| format!("admin@{slug}.example"));
        let password = std::env::var("PSA_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
        let pool = psa_identity::connect(&config.database).await.context("connecting to the database")?;
        let naming = psa_kit::events::Naming::new(&config.nats);
        let out = if args.iter().any(|a| a == "--platform") {
            psa_identity::bootstrap_platform(&pool, &naming, &slug, &name, &email, password.as_deref()).await
        } else {
            psa_identity::bootstrap(&pool, &naming, &slug, &name, &email, password.as_deref()).await
        }
        .map_err(|e| anyhow::anyhow!("bootstrap failed: {e}"))?;
        let platform = if out.platform { " (platform tenant)" } else { "" };
        println!("tenant {slug}: {}{platform}", if out.tenant_created { "created" } else { "exists" });
        match (&out.generated_password, out.admin_created) {
            (Some(pw), _) => println!("admin {email}: created\nadmin password: {pw}"),
            (None, true) => println!("admin {email}: created with PSA_ADMIN_PASSWORD"),
            (None, false) => println!("admin {email}: exists (password unchanged)"),
        }
        return Ok(());
    }
    if args.get(1).map(String::as_str) == Some("publish-users") {
        let pool = psa_identity::connect(&config.database).await.context("connecting to the database")?;
        let naming = psa_kit::events::Naming::new(&config.nats);
        let slug = arg(&args, "--tenant");
        let (tenants, users) = psa_identity::publish_users(&pool, &naming, slug.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("publish-users failed: {e}"))?;
        println!("announced {users} staff users of {tenants} tenants (sent once identity runs)");
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(&config.settings.identity_addr)
        .await
        .with_context(|| format!("binding {}", config.settings.identity_addr))?;
    psa_identity::run(config, listener, psa_kit::shutdown::on_signal()).await
}

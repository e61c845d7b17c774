//! Generates Rust code and the descriptor set from `proto/` with a vendored protoc.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto").canonicalize()?;
    let files: Vec<PathBuf> = [
        "psa/api/v1/annotations.proto",
        "psa/identity/v1/identity.proto",
        "psa/identity/v1/audit.proto",
        "psa/identity/v1/tenants.proto",
        "psa/identity/v1/portal.proto",
        "psa/contracts/v1/contracts.proto",
        "psa/contracts/v1/catalog.proto",
        "psa/contracts/v1/clients.proto",
        "psa/contracts/v1/imports.proto",
        "psa/contracts/v1/commercial.proto",
        "psa/contracts/v1/custom_fields.proto",
        "psa/tickets/v1/tickets.proto",
        "psa/tickets/v1/sla.proto",
        "psa/tickets/v1/time.proto",
        "psa/tickets/v1/kb.proto",
        "psa/tickets/v1/ticket_actions.proto",
        "psa/tickets/v1/email.proto",
        "psa/tickets/v1/automation.proto",
        "psa/tickets/v1/desk.proto",
        "psa/events/v1/events.proto",
        "psa/export/v1/export.proto",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = prost_build::Config::new();
    config
        .protoc_executable(protoc_bin_vendored::protoc_bin_path()?)
        .file_descriptor_set_path(out.join("psa_descriptor.bin"))
        .enable_type_names();
    tonic_prost_build::configure().compile_with_config(
        config,
        &files,
        &[root.clone(), protoc_bin_vendored::include_path()?],
    )?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}

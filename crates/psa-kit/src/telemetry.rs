//! Tracing set-up: `tracing` to stderr (text or JSON) and, when `PSA_OTLP_ENDPOINT` is set,
//! OpenTelemetry export over OTLP/gRPC. W3C trace context helpers for gRPC metadata and NATS
//! headers live in [`crate::trace_context`].

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::TelemetryConfig;

/// Keeps the exporter alive; flushes pending spans when dropped.
pub struct TelemetryGuard {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

/// Installs the global subscriber for `service` (the OpenTelemetry `service.name`).
/// Calling it twice in one process (tests) keeps the first subscriber.
///
/// # Errors
/// When the OTLP exporter cannot be built from the configured endpoint.
pub fn init(service: &'static str, config: &TelemetryConfig) -> anyhow::Result<TelemetryGuard> {
    let filter =
        || EnvFilter::try_new(config.log.as_deref().unwrap_or("info")).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = config.log_format.as_deref() == Some("json");
    let fmt = if json {
        tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr).with_filter(filter()).boxed()
    } else {
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter()).boxed()
    };
    let mut provider = None;
    let otel = match &config.otlp_endpoint {
        Some(endpoint) if !endpoint.is_empty() => {
            let exporter =
                opentelemetry_otlp::SpanExporter::builder().with_tonic().with_endpoint(endpoint.clone()).build()?;
            let p = opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(opentelemetry_sdk::Resource::builder().with_service_name(service).build())
                .build();
            let tracer = p.tracer(service);
            opentelemetry::global::set_tracer_provider(p.clone());
            provider = Some(p);
            Some(tracing_opentelemetry::layer().with_tracer(tracer).with_filter(filter()))
        }
        _ => None,
    };
    let _ = tracing_subscriber::registry().with(fmt).with(otel).try_init();
    Ok(TelemetryGuard { provider })
}

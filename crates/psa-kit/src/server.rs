//! Serving a service's tonic routes: gRPC and gRPC-web (HTTP/1.1, for browsers through the
//! gateway), the [`AuthLayer`](crate::auth::AuthLayer), `grpc.health.v1` and graceful
//! shutdown (in-flight calls finish; new connections are refused).

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use crate::auth::{AuthLayer, Verifier};

/// Serves `routes` on `listener` until `shutdown` fires, with health reporting SERVING for the
/// whole server (`""`) and each name in `services` (fully-qualified, e.g.
/// `psa.tickets.v1.TicketService`).
///
/// # Errors
/// Transport errors from the server.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    services: &[&str],
    verifier: Arc<Verifier>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_service_status("", tonic_health::ServingStatus::Serving).await;
    let names: Vec<String> = services.iter().map(|s| (*s).to_owned()).collect();
    for name in names {
        reporter.set_service_status(name, tonic_health::ServingStatus::Serving).await;
    }
    let routes = routes.add_service(health);
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "gRPC server listening");
    tonic::transport::Server::builder()
        .accept_http1(true)
        .trace_fn(|req| tracing::info_span!("grpc", path = %req.uri().path()))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(crate::trace_context::TraceContextLayer)
        .layer(AuthLayer::new(verifier))
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            // TCP_NODELAY: replies span several segments; without it Nagle's algorithm and the
            // peer's delayed ACK add ~40 ms to every larger response.
            tokio_stream::StreamExt::map(tokio_stream::wrappers::TcpListenerStream::new(listener), |conn| {
                conn.inspect(|c| {
                    let _ = c.set_nodelay(true);
                })
            }),
            shutdown.cancelled_owned(),
        )
        .await?;
    tracing::info!(%addr, "gRPC server stopped");
    Ok(())
}

//! W3C trace context (`traceparent`, <https://www.w3.org/TR/trace-context/>) carried from the
//! gateway through gRPC metadata into the events a request causes (the envelope's
//! `traceparent` and the NATS `traceparent` header) and on into the consumers' handlers.
//!
//! The value travels in a task-local: [`TraceContextLayer`] scopes each gRPC call with the
//! incoming header, [`crate::events::enqueue`] reads it with [`current`], and the consumer
//! scopes each handler with the envelope's value.

use std::future::Future;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use rand::RngCore as _;

tokio::task_local! {
    static TRACEPARENT: String;
}

/// The header name.
pub const HEADER: &str = "traceparent";

/// Whether `v` is a version-00 `traceparent`: `00-<32 hex trace id>-<16 hex parent id>-<2 hex
/// flags>`, lower-case, with non-zero ids.
pub fn is_valid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    parts.len() == 4
        && parts[0] == "00"
        && hex(parts[1], 32)
        && hex(parts[2], 16)
        && hex(parts[3], 2)
        && parts[1].bytes().any(|b| b != b'0')
        && parts[2].bytes().any(|b| b != b'0')
}

/// A new sampled `traceparent` with random ids.
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    let (trace, span) = (rng.next_u64() as u128 | ((rng.next_u64() as u128) << 64), rng.next_u64());
    format!("00-{:032x}-{:016x}-01", trace.max(1), span.max(1))
}

/// The trace context of the current task, if it has one.
pub fn current() -> Option<String> {
    TRACEPARENT.try_with(Clone::clone).ok()
}

/// Runs `f` with `traceparent` (when valid) as the current trace context.
pub async fn scope<F: Future>(traceparent: Option<String>, f: F) -> F::Output {
    match traceparent.filter(|t| is_valid(t)) {
        Some(t) => TRACEPARENT.scope(t, f).await,
        None => f.await,
    }
}

/// Tower layer that makes the request's `traceparent` header the current trace context of the
/// call.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceContextLayer;

impl<S> tower::Layer<S> for TraceContextLayer {
    type Service = TraceContextService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TraceContextService { inner }
    }
}

/// The service produced by [`TraceContextLayer`].
#[derive(Debug, Clone)]
pub struct TraceContextService<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for TraceContextService<S>
where
    S: tower::Service<http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let tp = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let fut = self.inner.call(req);
        Box::pin(scope(tp, fut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_generates() {
        assert!(is_valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assert!(!is_valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
        assert!(!is_valid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assert!(!is_valid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
        assert!(!is_valid("garbage"));
        let g = generate();
        assert!(is_valid(&g), "{g}");
        assert_ne!(g, generate());
    }

    #[tokio::test]
    async fn scopes_the_current_value() {
        let tp = generate();
        assert_eq!(current(), None);
        let seen = scope(Some(tp.clone()), async { current() }).await;
        assert_eq!(seen, Some(tp));
        assert_eq!(scope(Some("bad".into()), async { current() }).await, None);
    }
}

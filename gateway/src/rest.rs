//! The one REST handler: looks the request up in the [`RouteTable`], builds the request
//! message, calls the owning service and answers with proto3 JSON or an RFC 9457 problem.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use http_body_util::LengthLimitError;
use tonic::Code;

use crate::problem::Problem;
use crate::routes::{Lookup, RouteTable};
use crate::upstream::{self, Upstreams};
use crate::{transcode, upload};

/// Largest accepted request body: 10 MiB (larger bodies get 413).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Transcodes one REST request (any method, any path under `/api/`).
pub async fn handle(
    routes: &RouteTable,
    upstreams: &Upstreams,
    req: Request<Body>,
    client: Option<SocketAddr>,
) -> Response {
    match call(routes, upstreams, req, client).await {
        Ok(res) => res,
        Err(problem) => problem.into_response(),
    }
}

async fn call(
    routes: &RouteTable,
    upstreams: &Upstreams,
    req: Request<Body>,
    client: Option<SocketAddr>,
) -> Result<Response, Problem> {
    let (parts, body) = req.into_parts();
    let (route, bindings) = match routes.lookup(&parts.method, parts.uri.path()) {
        Lookup::Found(route, bindings) => (route, bindings),
        Lookup::MethodNotAllowed(allowed) => {
            return Ok(method_not_allowed(&parts.method, &allowed));
        }
        Lookup::NotFound => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                Code::NotFound,
                format!("no API route {} {}", parts.method, parts.uri.path()),
            ));
        }
    };
    let query = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .map_err(|e| Problem::bad_request(format!("malformed query string: {}", e.body_text())))?
        .0;
    let bytes = read_body(&parts.headers, body).await?;
    let upload = upload::file_upload(route.method.full_name());
    let body = upload::read_body(&parts.headers, bytes, upload).await?;
    let request = transcode::build_request(route, &bindings, &query, body)?;
    let service = route.method.parent_service();
    let upstream = upstreams.for_service(service.full_name()).ok_or_else(|| {
        tracing::error!(service = service.full_name(), "no upstream configured for service");
        Problem::new(StatusCode::NOT_IMPLEMENTED, Code::Unimplemented, "not available")
    })?;
    let metadata = upstream::forwarded_metadata(&parts.headers, client);
    let reply = upstream::unary(upstream, &route.method, request, metadata)
        .await
        .map_err(|status| Problem::from_status_for(&status, &route.method.input()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], transcode::to_json(&reply)).into_response())
}

fn method_not_allowed(method: &http::Method, allowed: &[http::Method]) -> Response {
    let list = allowed.iter().map(http::Method::as_str).collect::<Vec<_>>().join(", ");
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::Unimplemented,
        format!("{method} is not allowed here; use {list}"),
    );
    let mut res = problem.into_response();
    if let Ok(v) = HeaderValue::from_str(&list) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Code::ResourceExhausted,
        format!("the request body is larger than {} MiB", MAX_BODY_BYTES / (1024 * 1024)),
    )
}

/// Reads the whole body, at most [`MAX_BODY_BYTES`].
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Problem> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let inner = e.into_inner();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
        while let Some(c) = cause {
            if c.is::<LengthLimitError>() {
                return too_large();
            }
            cause = c.source();
        }
        Problem::bad_request(format!("could not read the request body: {inner}"))
    })
}

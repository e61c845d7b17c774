//! The upstream gRPC services: one lazily-connecting tonic [`Channel`] per service, chosen by
//! proto package; unary calls with [`DynamicMessage`]s through a small [`Codec`]; the
//! byte-for-byte gRPC / gRPC-web reverse proxy; and the `grpc.health.v1` readiness probe.

use std::net::SocketAddr;
use std::time::Duration;

use axum::response::Response;
use http::header::{self, HeaderName};
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderValue, Request, Uri, Version};
use prost::Message as _;
use prost_reflect::{DynamicMessage, MessageDescriptor, MethodDescriptor};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};
use tower::ServiceExt as _;

use crate::config::UpstreamSpec;

/// Deadline of one transcoded (REST) call; sent as `grpc-timeout` and enforced here.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed to open a connection to an upstream.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one `grpc.health.v1.Health/Check` of `/readyz`.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// Request headers passed on to the upstream as gRPC metadata on transcoded calls
/// (the caller's token, the request id and W3C trace context).
pub const FORWARDED_HEADERS: [&str; 4] = ["authorization", "x-request-id", "traceparent", "tracestate"];

/// One upstream service and its channel.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Short name, e.g. `tickets`.
    pub name: &'static str,
    /// The proto package it serves, e.g. `psa.tickets.v1`.
    pub package: &'static str,
    /// Its URL, e.g. `http://127.0.0.1:50053`.
    pub url: String,
    channel: Channel,
}

impl Upstream {
    /// The (lazily connecting) channel to this upstream.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }
}

/// All upstreams, looked up by the package of a service's full name.
#[derive(Debug, Clone)]
pub struct Upstreams {
    all: Vec<Upstream>,
}

impl Upstreams {
    /// Creates a lazily-connecting channel per upstream (nothing is dialled until the first
    /// call). Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// When a URL is not a valid URI.
    pub fn new(specs: Vec<UpstreamSpec>) -> anyhow::Result<Self> {
        let all = specs
            .into_iter()
            .map(|s| {
                let endpoint = Endpoint::from_shared(s.url.clone())
                    .map_err(|e| anyhow::anyhow!("upstream {} URL `{}`: {e}", s.name, s.url))?
                    .connect_timeout(CONNECT_TIMEOUT)
                    .tcp_nodelay(true);
                Ok(Upstream { name: s.name, package: s.package, url: s.url, channel: endpoint.connect_lazy() })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { all })
    }

    /// Every upstream.
    pub fn all(&self) -> &[Upstream] {
        &self.all
    }

    /// The upstream serving the service `full_name` (`psa.tickets.v1.TicketService`), by the
    /// longest matching package.
    pub fn for_service(&self, full_name: &str) -> Option<&Upstream> {
        self.all
            .iter()
            .filter(|u| full_name.strip_prefix(u.package).is_some_and(|rest| rest.starts_with('.')))
            .max_by_key(|u| u.package.len())
    }
}

/// Encodes a [`DynamicMessage`] and decodes replies as messages of one descriptor.
#[derive(Debug, Clone)]
pub struct DynamicCodec {
    output: MessageDescriptor,
}

impl DynamicCodec {
    /// A codec whose replies decode as `output` messages.
    pub fn new(output: MessageDescriptor) -> Self {
        Self { output }
    }
}

impl Codec for DynamicCodec {
    type Encode = DynamicMessage;
    type Decode = DynamicMessage;
    type Encoder = DynamicEncoder;
    type Decoder = DynamicDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        DynamicEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        DynamicDecoder(self.output.clone())
    }
}

/// Encoder half of [`DynamicCodec`].
#[derive(Debug)]
pub struct DynamicEncoder;

impl Encoder for DynamicEncoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst).map_err(|e| Status::internal(format!("encoding request: {e}")))
    }
}

/// Decoder half of [`DynamicCodec`].
#[derive(Debug)]
pub struct DynamicDecoder(MessageDescriptor);

impl Decoder for DynamicDecoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        DynamicMessage::decode(self.0.clone(), src)
            .map(Some)
            .map_err(|e| Status::internal(format!("decoding response: {e}")))
    }
}

/// gRPC metadata for a transcoded call: the [`FORWARDED_HEADERS`] present in `headers`,
/// `x-forwarded-for` with `client` appended to any value already there, and the client's
/// `user-agent` as `x-forwarded-user-agent` (gRPC reserves `user-agent` for the transport).
pub fn forwarded_metadata(headers: &HeaderMap, client: Option<SocketAddr>) -> MetadataMap {
    let mut md = MetadataMap::new();
    for name in FORWARDED_HEADERS {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok())
            && let Ok(v) = MetadataValue::try_from(v)
        {
            md.insert(name, v);
        }
    }
    if let Some(v) = forwarded_for(headers, client)
        && let Ok(v) = MetadataValue::try_from(v.as_str())
    {
        md.insert("x-forwarded-for", v);
    }
    if let Some(v) = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok())
        && let Ok(v) = MetadataValue::try_from(v)
    {
        md.insert("x-forwarded-user-agent", v);
    }
    md
}

fn forwarded_for(headers: &HeaderMap, client: Option<SocketAddr>) -> Option<String> {
    let prior = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    match (prior, client) {
        (Some(p), Some(c)) => Some(format!("{p}, {}", c.ip())),
        (None, Some(c)) => Some(c.ip().to_string()),
        (Some(p), None) => Some(p.to_owned()),
        (None, None) => None,
    }
}

/// Calls the unary `method` on `upstream` with `request`, `metadata` and the
/// [`CALL_TIMEOUT`] deadline.
///
/// # Errors
/// The upstream's status; UNAVAILABLE when it cannot be reached; DEADLINE_EXCEEDED after the
/// deadline.
pub async fn unary(
    upstream: &Upstream,
    method: &MethodDescriptor,
    request: DynamicMessage,
    metadata: MetadataMap,
) -> Result<DynamicMessage, Status> {
    let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let path = PathAndQuery::try_from(path).map_err(|e| Status::internal(e.to_string()))?;
    let mut req = tonic::Request::from_parts(metadata, Default::default(), request);
    req.set_timeout(CALL_TIMEOUT);
    let mut grpc = tonic::client::Grpc::new(upstream.channel.clone());
    let call = async {
        grpc.ready().await.map_err(|e| Status::unavailable(format!("{}: {e}", upstream.name)))?;
        grpc.unary(req, path, DynamicCodec::new(method.output())).await
    };
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(res) => res.map(tonic::Response::into_inner),
        Err(_) => Err(Status::deadline_exceeded(format!("{} did not answer", upstream.name))),
    }
}

/// Whether `content-type` is gRPC or gRPC-web (`application/grpc`, `application/grpc+proto`,
/// `application/grpc-web`, `application/grpc-web-text+proto`, …).
pub fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("application/grpc"))
}

/// The service full name of a gRPC path `/<package.Service>/<Method>`.
pub fn grpc_service_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (service, method) = rest.split_once('/')?;
    (!service.is_empty() && service.contains('.') && !method.is_empty() && !method.contains('/')).then_some(service)
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not pass on, plus `host`.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "transfer-encoding",
    "upgrade",
    "host",
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if headers.get(header::TE).is_some_and(|v| v != "trailers") {
        headers.remove(header::TE);
    }
}

/// Proxies a gRPC or gRPC-web request byte for byte (streaming both ways, trailers kept) to
/// the upstream owning its service. The upstreams run tonic with `tonic_web::GrpcWebLayer`,
/// so they decode gRPC-web themselves. Errors are gRPC errors (HTTP 200, `grpc-status`).
pub async fn proxy(upstreams: &Upstreams, req: Request<axum::body::Body>, client: Option<SocketAddr>) -> Response {
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let grpc_error = |code: Code, msg: &str| {
        let mut res = Status::new(code, msg).into_http::<axum::body::Body>();
        if let Some(ct) = content_type.clone() {
            res.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        res
    };
    let Some(service) = grpc_service_of(req.uri().path()) else {
        return grpc_error(Code::Unimplemented, "not a gRPC method path");
    };
    let Some(upstream) = upstreams.for_service(service) else {
        return grpc_error(Code::Unimplemented, &format!("unknown service {service}"));
    };
    let (mut parts, body) = req.into_parts();
    let forwarded = forwarded_for(&parts.headers, client);
    strip_hop_by_hop(&mut parts.headers);
    if let Some(v) = forwarded.and_then(|v| HeaderValue::try_from(v).ok()) {
        parts.headers.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    let path = parts.uri.path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
    parts.uri = Uri::from(path);
    parts.version = Version::HTTP_2;
    let upstream_req = Request::from_parts(parts, tonic::body::Body::new(body));
    match upstream.channel.clone().oneshot(upstream_req).await {
        Ok(res) => {
            let (mut parts, body) = res.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, axum::body::Body::new(body))
        }
        Err(e) => {
            tracing::warn!(upstream = upstream.name, error = %e, "gRPC proxy: upstream unreachable");
            grpc_error(Code::Unavailable, "upstream unavailable")
        }
    }
}

/// Asks `upstream` for `grpc.health.v1.Health/Check` of the whole server (service `""`).
///
/// # Errors
/// A short reason when it is unreachable, slow, or not SERVING.
pub async fn check_health(upstream: &Upstream) -> Result<(), String> {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let mut client = HealthClient::new(upstream.channel.clone());
    let check = client.check(HealthCheckRequest { service: String::new() });
    match tokio::time::timeout(HEALTH_TIMEOUT, check).await {
        Err(_) => Err("health check timed out".into()),
        Ok(Err(status)) if status.message().is_empty() => Err(format!("{:?}", status.code())),
        Ok(Err(status)) => Err(format!("{:?}: {}", status.code(), status.message())),
        Ok(Ok(res)) => match res.into_inner().status() {
            ServingStatus::Serving => Ok(()),
            other => Err(other.as_str_name().to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstreams() -> Upstreams {
        Upstreams {
            all: crate::config::GatewayConfig::default()
                .upstreams()
                .into_iter()
                .map(|s| Upstream {
                    name: s.name,
                    package: s.package,
                    url: s.url.clone(),
                    channel: Endpoint::from_shared(s.url).unwrap().connect_lazy(),
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn services_route_by_package() {
        let u = upstreams();
        assert_eq!(u.for_service("psa.tickets.v1.TicketService").unwrap().name, "tickets");
        assert_eq!(u.for_service("psa.contracts.v1.CompanyService").unwrap().name, "contracts");
        assert_eq!(u.for_service("psa.identity.v1.AuthService").unwrap().name, "identity");
        assert!(u.for_service("psa.tickets.v10.X").is_none());
        assert!(u.for_service("grpc.health.v1.Health").is_none());
    }

    #[test]
    fn grpc_paths() {
        assert_eq!(grpc_service_of("/psa.tickets.v1.TicketService/GetTicket"), Some("psa.tickets.v1.TicketService"));
        assert_eq!(grpc_service_of("/api/v1/tickets"), None);
        assert_eq!(grpc_service_of("/index.html"), None);
    }

    #[test]
    fn metadata_forwarding() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer t"));
        h.insert("x-request-id", HeaderValue::from_static("r1"));
        h.insert("cookie", HeaderValue::from_static("secret"));
        h.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        h.insert("user-agent", HeaderValue::from_static("Mozilla/5.0 (test)"));
        let md = forwarded_metadata(&h, Some("127.0.0.2:5000".parse().unwrap()));
        assert_eq!(md.get("authorization").unwrap(), "Bearer t");
        assert_eq!(md.get("x-request-id").unwrap(), "r1");
        assert_eq!(md.get("x-forwarded-for").unwrap(), "203.0.113.9, 127.0.0.2");
        assert_eq!(md.get("x-forwarded-user-agent").unwrap(), "Mozilla/5.0 (test)");
        assert!(md.get("cookie").is_none());
    }
}

//! The gateway's transcoding over real HTTP against an in-process fake `TicketService`
//! (an in-memory Vec: this tests the gateway, not the tickets service), served by tonic with
//! `GrpcWebLayer` + `accept_http1` like the real services.

use std::sync::{Arc, Mutex};

use prost::Message as _;
use psa_gateway::GatewayConfig;
use psa_proto::tickets::ticket_service_server::{TicketService, TicketServiceServer};
use psa_proto::tickets::{
    CreateTicketNoteRequest, CreateTicketRequest, GetTicketRequest, ListTicketAttachmentsRequest,
    ListTicketAttachmentsResponse, ListTicketNotesRequest, ListTicketNotesResponse, ListTicketsRequest,
    ListTicketsResponse, Ticket, TicketNote, UpdateTicketRequest,
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt as _};

/// What the fake saw, for the assertions.
#[derive(Default)]
struct Seen {
    update_mask: Option<Vec<String>>,
    list: Option<ListTicketsRequest>,
    authorization: Option<String>,
    request_id: Option<String>,
    forwarded_for: Option<String>,
}

#[derive(Default)]
struct Fake {
    tickets: Mutex<Vec<Ticket>>,
    seen: Mutex<Seen>,
}

fn md(req: &Request<impl Sized>, name: &str) -> Option<String> {
    req.metadata().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

#[tonic::async_trait]
impl TicketService for Fake {
    async fn list_tickets(
        &self,
        request: Request<ListTicketsRequest>,
    ) -> Result<Response<ListTicketsResponse>, Status> {
        let req = request.into_inner();
        let n = usize::try_from(req.page_size).unwrap_or(0);
        let tickets: Vec<Ticket> = self.tickets.lock().unwrap().iter().take(n).cloned().collect();
        self.seen.lock().unwrap().list = Some(req);
        Ok(Response::new(ListTicketsResponse { tickets, next_page_token: "next".into() }))
    }

    async fn get_ticket(&self, request: Request<GetTicketRequest>) -> Result<Response<Ticket>, Status> {
        let id = request.into_inner().id;
        let tickets = self.tickets.lock().unwrap();
        let t = tickets.iter().find(|t| t.id == id).cloned();
        t.map(Response::new).ok_or_else(|| Status::not_found("ticket not found"))
    }

    async fn create_ticket(&self, request: Request<CreateTicketRequest>) -> Result<Response<Ticket>, Status> {
        {
            let mut seen = self.seen.lock().unwrap();
            seen.authorization = md(&request, "authorization");
            seen.request_id = md(&request, "x-request-id");
            seen.forwarded_for = md(&request, "x-forwarded-for");
        }
        let mut ticket = request.into_inner().ticket.unwrap_or_default();
        match ticket.title.as_str() {
            "boom" => return Err(Status::internal("database password is hunter2")),
            "invalid" => {
                return Err(Status::with_error_details(
                    tonic::Code::InvalidArgument,
                    "invalid ticket",
                    ErrorDetails::with_bad_request(vec![FieldViolation::new("ticket.company_id", "must be a UUID")]),
                ));
            }
            _ => {}
        }
        let mut tickets = self.tickets.lock().unwrap();
        ticket.id = format!("t{}", tickets.len() + 1);
        ticket.number = format!("T-{:06}", tickets.len() + 1);
        ticket.create_time = Some(prost_types::Timestamp { seconds: 1_700_000_000, nanos: 0 });
        tickets.push(ticket.clone());
        Ok(Response::new(ticket))
    }

    async fn update_ticket(&self, request: Request<UpdateTicketRequest>) -> Result<Response<Ticket>, Status> {
        let req = request.into_inner();
        let patch = req.ticket.unwrap_or_default();
        let mask = req.update_mask.map(|m| m.paths).unwrap_or_default();
        self.seen.lock().unwrap().update_mask = Some(mask.clone());
        let mut tickets = self.tickets.lock().unwrap();
        let t = tickets.iter_mut().find(|t| t.id == patch.id).ok_or_else(|| Status::not_found("ticket not found"))?;
        if mask.iter().any(|p| p == "title") {
            t.title = patch.title;
        }
        Ok(Response::new(t.clone()))
    }

    async fn list_ticket_notes(
        &self,
        _: Request<ListTicketNotesRequest>,
    ) -> Result<Response<ListTicketNotesResponse>, Status> {
        Err(Status::unimplemented("not in the fake"))
    }

    async fn create_ticket_note(&self, _: Request<CreateTicketNoteRequest>) -> Result<Response<TicketNote>, Status> {
        Err(Status::unimplemented("not in the fake"))
    }

    async fn list_ticket_attachments(
        &self,
        _: Request<ListTicketAttachmentsRequest>,
    ) -> Result<Response<ListTicketAttachmentsResponse>, Status> {
        Err(Status::unimplemented("not in the fake"))
    }
}

struct Harness {
    base: String,
    fake: Arc<Fake>,
    http: reqwest::Client,
    stop: CancellationToken,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts the fake tickets service and a gateway pointing at it (other upstreams point at a
/// closed port).
async fn start(cors_origins: &str) -> Harness {
    let fake = Arc::new(Fake::default());
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc_addr = grpc.local_addr().unwrap();
    let stop = CancellationToken::new();
    let (_, health) = tonic_health::server::health_reporter();
    let server = tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(health)
        .add_service(TicketServiceServer::from_arc(fake.clone()))
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(grpc),
            stop.clone().cancelled_owned(),
        );
    tokio::spawn(server);

    let config = GatewayConfig {
        tickets_url: format!("http://{grpc_addr}"),
        identity_url: "http://127.0.0.1:1".into(),
        contracts_url: "http://127.0.0.1:1".into(),
        web_dir: "/nonexistent/psa-web".into(),
        cors_origins: cors_origins.into(),
        ..GatewayConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(psa_gateway::run(config, listener, stop.clone()));
    Harness { base, fake, http: reqwest::Client::new(), stop }
}

impl Harness {
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, body)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn create(&self, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(self.http.post(self.url("/api/v1/tickets")).json(&body)).await
    }
}

fn content_type(h: &reqwest::header::HeaderMap) -> &str {
    h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn create_get_and_list_in_lower_camel_case() {
    let h = start("").await;
    let (status, headers, body) = h
        .send(
            h.http
                .post(h.url("/api/v1/tickets"))
                .header("authorization", "Bearer tok")
                .header("x-request-id", "req-1")
                // spoofed by the client: the peer is no trusted proxy, so it is dropped
                .header("x-forwarded-for", "203.0.113.66")
                .json(&json!({"title": "Printer on fire", "companyId": "c1", "priority": "TICKET_PRIORITY_HIGH"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(headers["x-request-id"], "req-1");
    assert_eq!(body["id"], "t1");
    assert_eq!(body["companyId"], "c1");
    assert_eq!(body["priority"], "TICKET_PRIORITY_HIGH");
    assert_eq!(body["createTime"], "2023-11-14T22:13:20Z");
    assert!(body.get("company_id").is_none());
    {
        let seen = h.fake.seen.lock().unwrap();
        assert_eq!(seen.authorization.as_deref(), Some("Bearer tok"));
        assert_eq!(seen.request_id.as_deref(), Some("req-1"));
        assert_eq!(seen.forwarded_for.as_deref(), Some("127.0.0.1"), "only the TCP peer, never the client's claim");
    }

    let (status, headers, body) = h.send(h.http.get(h.url("/api/v1/tickets/t1"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], "Printer on fire");
    // Generated when the client sent none.
    assert!(!headers["x-request-id"].is_empty());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("'wasm-unsafe-eval'"));

    h.create(json!({"title": "second", "companyId": "c1"})).await;
    h.create(json!({"title": "third", "companyId": "c1"})).await;
    let (status, _, body) = h
        .send(h.http.get(h.url("/api/v1/tickets?pageSize=2&filter=status%3DTICKET_STATUS_OPEN&order_by=number%20desc")))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(body["nextPageToken"], "next");
    let seen = h.fake.seen.lock().unwrap().list.clone().unwrap();
    assert_eq!(seen.page_size, 2);
    assert_eq!(seen.filter, "status=TICKET_STATUS_OPEN");
    assert_eq!(seen.order_by, "number desc");

    let (status, headers, body) = h.send(h.http.get(h.url("/api/v1/tickets/nope"))).await;
    assert_eq!(status, 404);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["code"], "NOT_FOUND");
    assert_eq!(body["detail"], "ticket not found");
}

#[tokio::test]
async fn patch_infers_the_update_mask() {
    let h = start("").await;
    h.create(json!({"title": "old", "companyId": "c1", "description": "keep"})).await;
    let (status, _, body) = h.send(h.http.patch(h.url("/api/v1/tickets/t1")).json(&json!({"title": "x"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "x");
    assert_eq!(body["description"], "keep");
    assert_eq!(h.fake.seen.lock().unwrap().update_mask.as_deref(), Some(&["title".to_owned()][..]));

    // An explicit mask wins.
    let (status, _, body) =
        h.send(h.http.patch(h.url("/api/v1/tickets/t1?updateMask=description")).json(&json!({"title": "y"}))).await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], "x");
    assert_eq!(h.fake.seen.lock().unwrap().update_mask.as_deref(), Some(&["description".to_owned()][..]));
}

#[tokio::test]
async fn input_errors_are_problems_naming_the_field() {
    let h = start("").await;
    let (status, headers, body) = h
        .send(h.http.post(h.url("/api/v1/tickets")).header("content-type", "application/json").body("{\"title\": "))
        .await;
    assert_eq!(status, 400);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], "Bad Request");
    assert_eq!(body["status"], 400);
    assert_eq!(body["code"], "INVALID_ARGUMENT");
    assert!(body["detail"].as_str().unwrap().contains("line 1 column"), "{body}");

    let (status, _, body) = h.create(json!({"title": "t", "priority": "TICKET_PRIORITY_NOPE"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "ticket.priority");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("TICKET_PRIORITY_NOPE"));

    let (status, _, body) = h.create(json!({"title": ["not", "a", "string"]})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "ticket.title");

    let (status, _, body) = h.send(h.http.get(h.url("/api/v1/tickets?pageSize=lots"))).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "pageSize");

    // The service's own field violations, in lowerCamelCase.
    let (status, _, body) = h.create(json!({"title": "invalid", "companyId": "x"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"], "invalid ticket");
    assert_eq!(body["errors"][0]["field"], "ticket.companyId");
    assert_eq!(body["errors"][0]["detail"], "must be a UUID");

    // A 5xx never carries the upstream's message.
    let (status, headers, body) = h.create(json!({"title": "boom"})).await;
    assert_eq!(status, 500);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["code"], "INTERNAL");
    assert!(!body.to_string().contains("hunter2"), "{body}");
}

#[tokio::test]
async fn routing_limits_and_other_endpoints() {
    let h = start("").await;
    let (status, headers, body) = h.send(h.http.get(h.url("/api/v1/nothing"))).await;
    assert_eq!((status, content_type(&headers)), (404, "application/problem+json"));
    assert_eq!(body["code"], "NOT_FOUND");

    let (status, headers, _) = h.send(h.http.put(h.url("/api/v1/tickets/t1"))).await;
    assert_eq!(status, 405);
    let allow = headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");

    let big = vec![b' '; 11 * 1024 * 1024];
    let (status, _, body) =
        h.send(h.http.post(h.url("/api/v1/tickets")).header("content-type", "application/json").body(big)).await;
    assert_eq!(status, 413, "{body}");

    let (status, _, body) =
        h.send(h.http.post(h.url("/api/v1/tickets")).header("content-type", "text/xml").body("<a/>")).await;
    assert_eq!(status, 415, "{body}");

    // A CSV import is accepted as a file and sent to contracts (down here: 503, no detail).
    let (status, _, body) = h
        .send(
            h.http
                .post(h.url("/api/v1/companies:import?dryRun=true"))
                .header("content-type", "text/csv")
                .body("name\nAcme\n"),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "UNAVAILABLE");

    let (status, _, body) = h.send(h.http.get(h.url("/api/v1/openapi.json"))).await;
    assert_eq!(status, 200);
    assert!(body["paths"]["/api/v1/tickets/{id}"]["get"].is_object());

    let (status, _, body) = h.send(h.http.get(h.url("/healthz"))).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));
    let (status, _, body) = h.send(h.http.get(h.url("/readyz"))).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["upstreams"]["tickets"], "SERVING");
    assert_ne!(body["upstreams"]["identity"], "SERVING");

    let (status, headers, body) = h.send(h.http.get(h.url("/"))).await;
    assert_eq!(status, 200);
    assert!(content_type(&headers).starts_with("text/html"));
    assert!(body.as_str().unwrap().contains("not built"));
}

/// One gRPC-web frame: flag byte, big-endian u32 length, payload.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![flag];
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn parse_frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while body.len() >= 5 {
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((body[0], body[5..5 + len].to_vec()));
        body = &body[5 + len..];
    }
    assert!(body.is_empty(), "trailing bytes");
    frames
}

#[tokio::test]
async fn grpc_web_and_grpc_are_proxied() {
    let h = start("https://app.example").await;
    h.create(json!({"title": "via grpc-web", "companyId": "c1"})).await;

    let req = GetTicketRequest { id: "t1".into() }.encode_to_vec();
    let res = h
        .http
        .post(h.url("/psa.tickets.v1.TicketService/GetTicket"))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(frame(0, &req))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(content_type(res.headers()).starts_with("application/grpc-web"));
    let body = res.bytes().await.unwrap();
    let frames = parse_frames(&body);
    assert_eq!(frames.len(), 2, "a data frame and a trailer frame");
    assert_eq!(frames[0].0, 0);
    let ticket = Ticket::decode(frames[0].1.as_slice()).unwrap();
    assert_eq!(ticket.title, "via grpc-web");
    assert_eq!(frames[1].0 & 0x80, 0x80);
    let trailers = String::from_utf8(frames[1].1.clone()).unwrap().to_ascii_lowercase();
    assert!(trailers.contains("grpc-status:0"), "{trailers}");

    // An error comes back as a gRPC status, not a problem document.
    let req = GetTicketRequest { id: "nope".into() }.encode_to_vec();
    let res = h
        .http
        .post(h.url("/psa.tickets.v1.TicketService/GetTicket"))
        .header("content-type", "application/grpc-web+proto")
        .body(frame(0, &req))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let grpc_status = res.headers().get("grpc-status").map(|v| v.to_str().unwrap().to_owned());
    let body = res.bytes().await.unwrap();
    let in_body = parse_frames(&body)
        .iter()
        .any(|(flag, t)| flag & 0x80 != 0 && String::from_utf8_lossy(t).contains("grpc-status:5"));
    assert!(grpc_status.as_deref() == Some("5") || in_body, "NOT_FOUND expected");

    // Native gRPC (HTTP/2, real trailers) goes through the same proxy.
    let mut client =
        psa_proto::tickets::ticket_service_client::TicketServiceClient::connect(h.base.clone()).await.unwrap();
    let ticket = client.get_ticket(GetTicketRequest { id: "t1".into() }).await.unwrap();
    assert_eq!(ticket.into_inner().title, "via grpc-web");
    let err = client.get_ticket(GetTicketRequest { id: "nope".into() }).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);

    // CORS preflight for a browser on another origin.
    let res = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/psa.tickets.v1.TicketService/GetTicket"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-grpc-web")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "https://app.example");
    let allowed = res.headers()["access-control-allow-headers"].to_str().unwrap().to_owned();
    assert!(allowed.contains("x-grpc-web"), "{allowed}");
}

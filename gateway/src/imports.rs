//! Hand-written import routes (DESIGN.md §5: file upload, file download and a progress
//! stream are where HTTP itself matters), all calling contracts' `ImportService` with the
//! caller's credentials:
//!
//! - `POST /api/v1/imports/{type}` — `type` one of `clients`, `contracts`, `services`,
//!   `service-scopes`, `safs`, `cocs`. Body: the CSV, raw (`text/csv`, `text/plain`,
//!   `application/octet-stream`) or as the `file` field of a `multipart/form-data` form. Query
//!   (or form fields before the file): `mode` = `all_or_nothing` (default) | `valid_rows`
//!   (the `IMPORT_MODE_*` names work too), `jobId` (a UUID chosen by the client, so it can
//!   open the event stream while uploading), `fileName`. The body is streamed to the service
//!   as it arrives (never buffered whole), up to `PSA_IMPORT_MAX_BYTES` (default 200 MiB): a
//!   larger `Content-Length` is refused at once, and a body that grows past the limit is cut
//!   off (the service fails the job as interrupted, committing nothing); both answer 413.
//!   Answer: the finished `ImportJob` as JSON (200; rows problems are in its report), or a
//!   400 problem on field `csv` when a file-level problem failed the job. `Location` names
//!   the job either way.
//! - `GET /api/v1/imports/{id}/errors` (every bad row, paged) is transcoded from
//!   `ListImportJobErrors`.
//! - `GET /api/v1/imports/{type}/template` — the type's CSV template (header + example row).
//! - `GET /api/v1/imports/{id}/events` — `text/event-stream`: `event: progress` with the job
//!   (counters) whenever it changes, then one `event: completed` (or `failed`) with the job
//!   and its report, then the stream ends. 404 problem for an unknown (or another tenant's)
//!   job.
//!
//! `GET /api/v1/imports/{id}` (status and report) is transcoded from `GetImportJob`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Query};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, Request, StatusCode, header};
use prost::Message;
use prost_reflect::DynamicMessage;
use psa_proto::contracts::import_service_client::ImportServiceClient;
use psa_proto::contracts::run_import_request::Part;
use psa_proto::contracts::{
    GetImportJobRequest, GetImportTemplateRequest, ImportJob, ImportJobState, ImportMode, ImportType, RunImportRequest,
    StartImport,
};
use tonic::Code;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use crate::problem::Problem;
use crate::upload::media_type;

/// gRPC service the routes call.
pub const SERVICE: &str = "psa.contracts.v1.ImportService";

/// A hand-written import route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRoute {
    /// `POST /api/v1/imports/{type}`.
    Run(ImportType),
    /// `GET /api/v1/imports/{type}/template`.
    Template(ImportType),
    /// `GET /api/v1/imports/{id}/events`.
    Events(String),
    /// An unknown `{type}` on a POST or template path.
    UnknownType(String),
}

/// The import type named by a REST path segment.
pub fn import_type(segment: &str) -> Option<ImportType> {
    Some(match segment {
        "clients" => ImportType::Clients,
        "contracts" => ImportType::Contracts,
        "services" => ImportType::Services,
        "service-scopes" => ImportType::ServiceScopes,
        "safs" => ImportType::Safs,
        "cocs" => ImportType::Cocs,
        _ => return None,
    })
}

/// Which import route `method path` is, if any (`GET /api/v1/imports/{id}` is not one: it is
/// transcoded).
pub fn route(method: &http::Method, path: &str) -> Option<ImportRoute> {
    let rest = path.strip_prefix("/api/v1/imports/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    let typed = |s: &str| import_type(s).ok_or_else(|| s.to_owned());
    match (method, parts.as_slice()) {
        (&http::Method::POST, [t]) if !t.is_empty() => {
            Some(typed(t).map_or_else(ImportRoute::UnknownType, ImportRoute::Run))
        }
        (&http::Method::GET, [t, "template"]) => {
            Some(typed(t).map_or_else(ImportRoute::UnknownType, ImportRoute::Template))
        }
        (&http::Method::GET, [id, "events"]) if !id.is_empty() => Some(ImportRoute::Events((*id).to_owned())),
        _ => None,
    }
}

/// Serves `route`; `channel` reaches contracts, `metadata` carries the caller's credentials;
/// `max_bytes` caps an uploaded file.
pub async fn handle(
    route: ImportRoute,
    channel: Channel,
    req: Request<Body>,
    metadata: MetadataMap,
    max_bytes: u64,
) -> Response {
    match route {
        ImportRoute::Run(t) => run(t, channel, req, metadata, max_bytes).await,
        ImportRoute::Template(t) => template(t, channel, metadata).await,
        ImportRoute::Events(id) => events(id, channel, metadata).await,
        ImportRoute::UnknownType(t) => Problem::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            format!("no import type `{t}`; use clients, contracts, services, service-scopes, safs or cocs"),
        )
        .into_response(),
    }
}

fn parse_mode(v: &str) -> Option<ImportMode> {
    match v.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "" | "allornothing" | "importmodeallornothing" => Some(ImportMode::AllOrNothing),
        "validrows" | "importmodevalidrows" => Some(ImportMode::ValidRows),
        _ => None,
    }
}

/// Applies one form or query parameter to `start`.
fn apply_param(start: &mut StartImport, name: &str, value: &str) -> Result<(), Problem> {
    match name {
        "mode" => {
            let mode = parse_mode(value)
                .ok_or_else(|| Problem::invalid_field("mode", "must be all_or_nothing or valid_rows"))?;
            start.mode = mode as i32;
        }
        "jobId" | "job_id" => start.job_id = value.to_owned(),
        "fileName" | "file_name" => start.file_name = value.to_owned(),
        _ => {}
    }
    Ok(())
}

/// The JSON form of a job.
fn job_json(job: &ImportJob) -> Vec<u8> {
    let desc =
        psa_proto::DESCRIPTOR_POOL.get_message_by_name("psa.contracts.v1.ImportJob").expect("ImportJob is defined");
    match DynamicMessage::decode(desc, job.encode_to_vec().as_slice()) {
        Ok(m) => crate::transcode::to_json(&m),
        Err(_) => b"{}".to_vec(),
    }
}

fn location(res: &mut Response, id: &str) {
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/imports/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
}

/// The 413 answer of an upload over `max_bytes`.
fn too_large(max_bytes: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Code::InvalidArgument,
        format!(
            "the file is larger than the import limit of {max_bytes} bytes ({} MiB, PSA_IMPORT_MAX_BYTES); \
             nothing was imported — split the file",
            max_bytes / (1024 * 1024)
        ),
    )
}

/// Counts the bytes of an upload against the limit.
struct Budget {
    left: u64,
    exceeded: Arc<AtomicBool>,
}

impl Budget {
    /// Takes `n` bytes; false (and marks the upload too large) when they do not fit.
    fn take(&mut self, n: usize) -> bool {
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.exceeded.store(true, Ordering::SeqCst);
                false
            }
        }
    }
}

async fn run(t: ImportType, channel: Channel, req: Request<Body>, metadata: MetadataMap, max_bytes: u64) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // A multipart body carries a little more than the file; allow for its boundaries.
    if declared.is_some_and(|n| n > max_bytes.saturating_add(64 * 1024)) {
        return too_large(max_bytes).into_response();
    }
    let exceeded = Arc::new(AtomicBool::new(false));
    let mut budget = Budget { left: max_bytes, exceeded: exceeded.clone() };
    let mut start = StartImport { r#type: t as i32, mode: ImportMode::AllOrNothing as i32, ..Default::default() };
    let query: Vec<(String, String)> = match Query::try_from_uri(req.uri()) {
        Ok(Query(q)) => q,
        Err(e) => return Problem::bad_request(format!("malformed query string: {}", e.body_text())).into_response(),
    };
    for (k, v) in &query {
        if let Err(p) = apply_param(&mut start, k, v) {
            return p.into_response();
        }
    }
    let media = media_type(req.headers()).unwrap_or_default();
    let multipart = media == "multipart/form-data";
    if !multipart && !["text/csv", "text/plain", "application/octet-stream", ""].contains(&media.as_str()) {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::InvalidArgument,
            format!("content type `{media}` is not accepted here; send text/csv or multipart/form-data"),
        )
        .into_response();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<RunImportRequest>(8);
    // The first message (start) goes out once the parameters are known: at once for a raw
    // body, at the file field for a form.
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(), Problem>>();
    tokio::spawn(async move {
        let interrupted = RunImportRequest { part: None };
        if multipart {
            let mut form = match Multipart::from_request(req, &()).await {
                Ok(f) => f,
                Err(e) => {
                    let _ = ready_tx
                        .send(Err(Problem::bad_request(format!("malformed multipart form: {}", e.body_text()))));
                    return;
                }
            };
            let mut ready = Some(ready_tx);
            loop {
                let field = match form.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        match ready.take() {
                            Some(r) => {
                                let _ = r.send(Err(Problem::bad_request(format!(
                                    "malformed multipart form: {}",
                                    e.body_text()
                                ))));
                            }
                            None => {
                                let _ = tx.send(interrupted).await;
                            }
                        }
                        return;
                    }
                };
                let name = field.name().unwrap_or_default().to_owned();
                if name == "file" && ready.is_some() {
                    if start.file_name.is_empty() {
                        start.file_name = field.file_name().unwrap_or_default().to_owned();
                    }
                    let start_msg = RunImportRequest { part: Some(Part::Start(start.clone())) };
                    if let Some(r) = ready.take() {
                        let _ = r.send(Ok(()));
                    }
                    if tx.send(start_msg).await.is_err() {
                        return;
                    }
                    let mut field = field;
                    loop {
                        match field.chunk().await {
                            Ok(Some(b)) => {
                                if !budget.take(b.len()) {
                                    let _ = tx.send(interrupted).await;
                                    return;
                                }
                                if tx.send(RunImportRequest { part: Some(Part::Chunk(b.to_vec())) }).await.is_err() {
                                    return;
                                }
                            }
                            Ok(None) => break,
                            Err(_) => {
                                let _ = tx.send(interrupted).await;
                                return;
                            }
                        }
                    }
                } else if ready.is_some() {
                    let value = field.text().await.unwrap_or_default();
                    if let Err(p) = apply_param(&mut start, &name, &value)
                        && let Some(r) = ready.take()
                    {
                        let _ = r.send(Err(p));
                        return;
                    }
                }
            }
            if let Some(r) = ready.take() {
                let _ = r.send(Err(Problem::invalid_field("file", "the form has no `file` field")));
            }
        } else {
            let _ = ready_tx.send(Ok(()));
            if tx.send(RunImportRequest { part: Some(Part::Start(start)) }).await.is_err() {
                return;
            }
            let mut body = req.into_body().into_data_stream();
            while let Some(chunk) = body.next().await {
                let msg = match chunk {
                    Ok(b) if !budget.take(b.len()) => {
                        let _ = tx.send(interrupted).await;
                        return;
                    }
                    Ok(b) => RunImportRequest { part: Some(Part::Chunk(b.to_vec())) },
                    Err(_) => {
                        let _ = tx.send(interrupted).await;
                        return;
                    }
                };
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(p)) => return p.into_response(),
        Err(_) => return Problem::bad_request("could not read the request body").into_response(),
    }
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
    let request = tonic::Request::from_parts(metadata, Default::default(), stream);
    let job = match ImportServiceClient::new(channel).run_import(request).await {
        Ok(r) => r.into_inner(),
        Err(_) if exceeded.load(Ordering::SeqCst) => return too_large(max_bytes).into_response(),
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    let mut res = if exceeded.load(Ordering::SeqCst) {
        too_large(max_bytes).into_response()
    } else if job.state == ImportJobState::Failed as i32 {
        Problem::invalid_field("csv", job.failure.clone()).into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], job_json(&job)).into_response()
    };
    location(&mut res, &job.id);
    res
}

async fn template(t: ImportType, channel: Channel, metadata: MetadataMap) -> Response {
    let mut req =
        tonic::Request::from_parts(metadata, Default::default(), GetImportTemplateRequest { r#type: t as i32 });
    req.set_timeout(crate::upstream::CALL_TIMEOUT);
    match ImportServiceClient::new(channel).get_import_template(req).await {
        Ok(r) => {
            let r = r.into_inner();
            let mut res = r.csv.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", r.file_name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(status) => Problem::from_status(&status).into_response(),
    }
}

async fn events(id: String, channel: Channel, metadata: MetadataMap) -> Response {
    let req = tonic::Request::from_parts(metadata, Default::default(), GetImportJobRequest { id });
    let mut stream = match ImportServiceClient::new(channel).watch_import_job(req).await {
        Ok(r) => r.into_inner(),
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    // The first message comes before the answer, so an unknown job is a proper 404.
    let first = match stream.message().await {
        Ok(Some(job)) => job,
        Ok(None) => return Problem::new(StatusCode::NOT_FOUND, Code::NotFound, "import job not found").into_response(),
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    let events = futures::stream::unfold((Some(first), Some(stream)), |(pending, stream)| async move {
        let mut stream = stream?;
        let job = match pending {
            Some(j) => j,
            None => match stream.message().await {
                Ok(Some(j)) => j,
                Ok(None) => return None,
                Err(status) => {
                    let e = Event::default().event("error").data(status.message());
                    return Some((Ok::<_, Infallible>(e), (None, None)));
                }
            },
        };
        let name = match ImportJobState::try_from(job.state) {
            Ok(ImportJobState::Succeeded) => "completed",
            Ok(ImportJobState::Failed) => "failed",
            _ => "progress",
        };
        let data = String::from_utf8(job_json(&job)).unwrap_or_default();
        let event = Event::default().event(name).id(job.rows_read.to_string()).data(data);
        let next = if name == "progress" { Some(stream) } else { None };
        Some((Ok(event), (None, next)))
    });
    let mut res = Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn budget_marks_oversized_uploads() {
        let exceeded = Arc::new(AtomicBool::new(false));
        let mut b = Budget { left: 10, exceeded: exceeded.clone() };
        assert!(b.take(6) && b.take(4));
        assert!(!exceeded.load(Ordering::SeqCst));
        assert!(!b.take(1));
        assert!(exceeded.load(Ordering::SeqCst));
        assert_eq!(too_large(200 * 1024 * 1024).status, 413);
    }

    #[test]
    fn routes_and_modes() {
        assert_eq!(route(&Method::POST, "/api/v1/imports/clients"), Some(ImportRoute::Run(ImportType::Clients)));
        assert_eq!(
            route(&Method::GET, "/api/v1/imports/service-scopes/template"),
            Some(ImportRoute::Template(ImportType::ServiceScopes))
        );
        assert_eq!(route(&Method::GET, "/api/v1/imports/abc/events"), Some(ImportRoute::Events("abc".into())));
        assert_eq!(route(&Method::POST, "/api/v1/imports/widgets"), Some(ImportRoute::UnknownType("widgets".into())));
        assert_eq!(route(&Method::GET, "/api/v1/imports/abc"), None);
        assert_eq!(route(&Method::GET, "/api/v1/imports/abc/errors"), None, "transcoded");
        assert_eq!(route(&Method::GET, "/api/v1/companies"), None);
        assert_eq!(parse_mode("valid_rows"), Some(ImportMode::ValidRows));
        assert_eq!(parse_mode("IMPORT_MODE_VALID_ROWS"), Some(ImportMode::ValidRows));
        assert_eq!(parse_mode(""), Some(ImportMode::AllOrNothing));
        assert_eq!(parse_mode("some"), None);
    }
}

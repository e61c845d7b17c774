//! Bulk CSV imports (`/api/v1/imports/...`) and CSV exports of lists (`<list>:export`).

use futures::channel::mpsc;
use gloo_net::http::Method;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{ApiError, ApiResult, Body, ImportRowError, call, call_response, download, parse, with_query};

/// The import types: (REST name, label).
pub const TYPES: &[(&str, &str)] = &[
    ("clients", "Clients"),
    ("contracts", "Contracts"),
    ("services", "Services"),
    ("service-scopes", "Service scopes"),
    ("safs", "SAFs"),
    ("cocs", "COCs"),
];

/// An import job: progress while it runs, then its report.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportJob {
    /// Job id.
    pub id: String,
    /// `IMPORT_JOB_STATE_RUNNING`, `…_SUCCEEDED` or `…_FAILED`.
    pub state: String,
    /// Data rows read so far.
    pub rows_read: i64,
    /// Rows that passed validation.
    pub rows_valid: i64,
    /// Rows reported as bad.
    pub rows_bad: i64,
    /// Rows that created a record.
    pub created: i64,
    /// Rows whose record already existed (left unchanged).
    pub skipped: i64,
    /// Whether the created records were committed.
    pub committed: bool,
    /// Header columns that map to nothing.
    pub ignored_columns: Vec<String>,
    /// A file-level problem of a failed job.
    pub failure: String,
    /// The bad rows (first 1000).
    pub errors: Vec<ImportRowError>,
}

impl ImportJob {
    /// Whether the job has finished.
    pub fn finished(&self) -> bool {
        !self.state.is_empty() && self.state != "IMPORT_JOB_STATE_RUNNING"
    }
}

/// A fresh random job id (RFC 4122 version 4), so the progress stream can be opened while the
/// file uploads.
pub fn new_job_id() -> String {
    let mut b = [0u8; 16];
    for x in &mut b {
        *x = (js_sys::Math::random() * 256.0) as u8;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Uploads `file` (a `File`) as an import of `kind` (`clients`, …) with `mode`
/// (`all_or_nothing` | `valid_rows`); resolves with the finished job. A file-level problem
/// comes back as an error on field `csv`.
pub async fn run_import(kind: &str, file: &web_sys::File, mode: &str, job_id: &str) -> ApiResult<ImportJob> {
    let url = with_query(
        &format!("/api/v1/imports/{kind}"),
        &[("mode", mode), ("jobId", job_id), ("fileName", &file.name())],
    );
    let body = Body::Raw { value: file.clone().into(), content_type: "text/csv" };
    parse(&call(Method::POST, url, body).await?)
}

/// The job `id` with its report.
pub async fn get_job(id: &str) -> ApiResult<ImportJob> {
    parse(&call(Method::GET, format!("/api/v1/imports/{id}"), Body::Empty).await?)
}

/// Downloads the CSV template of `kind`.
pub async fn download_template(kind: &str) -> ApiResult<()> {
    download(format!("/api/v1/imports/{kind}/template"), &format!("{kind}-template.csv")).await
}

/// Downloads the list at `path` (e.g. `/api/v1/companies`) with `filter` as CSV.
pub async fn export_list(path: &str, filter: &str, filename: &str) -> ApiResult<()> {
    download(with_query(&format!("{path}:export"), &[("filter", filter)]), filename).await
}

/// Follows the job's server-sent events (`GET /api/v1/imports/{id}/events`, read with fetch
/// so the bearer token goes along): every event's job goes to `updates` until the stream
/// ends.
pub async fn watch_job(id: &str, updates: mpsc::UnboundedSender<ImportJob>) -> ApiResult<()> {
    let response = call_response(Method::GET, format!("/api/v1/imports/{id}/events"), Body::Empty).await?;
    if !response.ok() {
        let mut err = ApiError { status: response.status(), ..ApiError::default() };
        err.title = "No progress available.".into();
        return Err(err);
    }
    let stream = response.body().ok_or_else(|| ApiError::network("no response body"))?;
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut buffer = String::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| ApiError::network(format!("{e:?}")))?;
        let done =
            js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            return Ok(());
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            let bytes = js_sys::Uint8Array::new(&value).to_vec();
            buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("\n");
            if let Ok(job) = serde_json::from_str::<ImportJob>(&data) {
                let _ = updates.unbounded_send(job);
            }
        }
    }
}

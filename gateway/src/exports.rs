//! Hand-written export routes (DESIGN.md §5 allows them where HTTP itself matters: a file
//! download).
//!
//! `GET /api/v1/audit-logs:export` — the audit log as CSV (RFC 4180, UTF-8, header row), with
//! the same query parameters as `GET /api/v1/audit-logs`: `filter`, `startTime`, `endTime`
//! (RFC 3339), `orderBy`. The gateway pages through identity's `AuditLogService.ListAuditLogs`
//! with the caller's credentials (so the same permission and tenant rules apply) and streams
//! the rows as they come. Columns: `occur_time` (RFC 3339 UTC), `service`, `entity_type`,
//! `entity_id`, `action`, `actor_id`, `ip_address`, `user_agent`, `old_values` and
//! `new_values` (JSON objects), `id`.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use psa_proto::identity::audit_log_service_client::AuditLogServiceClient;
use psa_proto::identity::{AuditLog, ListAuditLogsRequest};
use tonic::Code;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use crate::problem::Problem;

/// Path of the audit log CSV export.
pub const AUDIT_EXPORT_PATH: &str = "/api/v1/audit-logs:export";

/// Rows fetched per call to identity.
const PAGE: i32 = 200;

/// CSV column names, in order.
pub const AUDIT_COLUMNS: [&str; 11] = [
    "occur_time",
    "service",
    "entity_type",
    "entity_id",
    "action",
    "actor_id",
    "ip_address",
    "user_agent",
    "old_values",
    "new_values",
    "id",
];

fn bad(field: &str, msg: &str) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, Code::InvalidArgument, format!("{field}: {msg}")).into_response()
}

fn time(q: &HashMap<String, String>, name: &str) -> Result<Option<prost_types::Timestamp>, Response> {
    let Some(v) = q.get(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    let t = chrono::DateTime::parse_from_rfc3339(v).map_err(|_| bad(name, "must be an RFC 3339 time"))?;
    Ok(Some(prost_types::Timestamp { seconds: t.timestamp(), nanos: t.timestamp_subsec_nanos() as i32 }))
}

/// Streams the caller's audit log as CSV; see the module docs. `metadata` carries the caller's
/// credentials and client address.
pub async fn audit_csv(identity: Channel, uri: &http::Uri, metadata: MetadataMap) -> Response {
    let q: HashMap<String, String> = match Query::try_from_uri(uri) {
        Ok(Query(q)) => q,
        Err(_) => return bad("query", "malformed query string"),
    };
    let (start_time, end_time) = match (time(&q, "startTime"), time(&q, "endTime")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let template = ListAuditLogsRequest {
        page_size: PAGE,
        page_token: String::new(),
        filter: q.get("filter").cloned().unwrap_or_default(),
        order_by: q.get("orderBy").cloned().unwrap_or_default(),
        start_time,
        end_time,
    };
    let client = AuditLogServiceClient::new(identity);
    // The first page is fetched before answering, so that refusals and bad filters get their
    // proper status instead of a broken download.
    let first = match page(&client, &metadata, &template, String::new()).await {
        Ok(p) => p,
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    let header = csv_rows(&[], true);
    let stream = futures::stream::unfold(Some((first, header)), move |state| {
        let (client, metadata, template) = (client.clone(), metadata.clone(), template.clone());
        async move {
            let ((rows, next), prefix) = state?;
            let mut bytes = prefix;
            bytes.extend(csv_rows(&rows, false));
            let following = if next.is_empty() {
                None
            } else {
                match page(&client, &metadata, &template, next).await {
                    Ok(p) => Some((p, Vec::new())),
                    Err(status) => {
                        tracing::warn!(%status, "audit export aborted");
                        return Some((Err(std::io::Error::other(status.message().to_owned())), None));
                    }
                }
            };
            Some((Ok::<_, std::io::Error>(bytes), following))
        }
    });
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn page(
    client: &AuditLogServiceClient<Channel>,
    metadata: &MetadataMap,
    template: &ListAuditLogsRequest,
    token: String,
) -> Result<(Vec<AuditLog>, String), tonic::Status> {
    let mut req = tonic::Request::from_parts(
        metadata.clone(),
        Default::default(),
        ListAuditLogsRequest { page_token: token, ..template.clone() },
    );
    req.set_timeout(crate::upstream::CALL_TIMEOUT);
    let reply = client.clone().list_audit_logs(req).await?.into_inner();
    Ok((reply.audit_logs, reply.next_page_token))
}

/// `rows` as CSV lines (with the header line first when `header`).
pub fn csv_rows(rows: &[AuditLog], header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = w.write_record(AUDIT_COLUMNS);
    }
    let json = |s: &Option<prost_types::Struct>| {
        s.as_ref().map(|s| psa_kit::convert::struct_to_json(s).to_string()).unwrap_or_default()
    };
    for r in rows {
        let time = r
            .occur_time
            .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .unwrap_or_default();
        let _ = w.write_record([
            time.as_str(),
            &r.service,
            &r.entity_type,
            &r.entity_id,
            &r.action,
            &r.actor_id,
            &r.ip_address,
            &r.user_agent,
            &json(&r.old_values),
            &json(&r.new_values),
            &r.id,
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_json_and_commas() {
        let mut values = prost_types::Struct::default();
        values.fields.insert(
            "name".into(),
            prost_types::Value { kind: Some(prost_types::value::Kind::StringValue("A, \"B\"".into())) },
        );
        let row = AuditLog {
            id: "1".into(),
            service: "contracts".into(),
            entity_type: "companies".into(),
            action: "create".into(),
            new_values: Some(values),
            occur_time: Some(prost_types::Timestamp { seconds: 0, nanos: 0 }),
            ..Default::default()
        };
        let text = String::from_utf8(csv_rows(&[row], true)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), AUDIT_COLUMNS.join(","));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "1970-01-01T00:00:00.000000Z");
        assert_eq!(&rec[9], r#"{"name":"A, \"B\""}"#);
        assert_eq!(&rec[10], "1");
    }
}

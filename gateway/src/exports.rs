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
//!
//! `GET /api/v1/tenants/{id}/export` — the full tenant export (no lock-in): a zip with
//! `manifest.json` (tenant, export time, row counts) and, for every service and tenant table,
//! `<service>/<table>.json` (a JSON array of row objects) and `<service>/<table>.csv` (one
//! column per row key; text as is, other values as JSON; secrets `[redacted]`). Platform Super
//! Admins only: identity's `TenantService.GetTenant` is asked first with the caller's token,
//! then every upstream's `TenantExportService.ExportTenantData`. Built in memory.

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

/// The tenant id of a `/api/v1/tenants/{id}/export` path.
pub fn tenant_export_id(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/tenants/")?.strip_suffix("/export").filter(|id| !id.is_empty() && !id.contains('/'))
}

/// Builds the zip of tenant `id`; see the module docs.
pub async fn tenant_zip(upstreams: &crate::upstream::Upstreams, id: &str, metadata: MetadataMap) -> Response {
    match tenant_zip_bytes(upstreams, id, metadata).await {
        Ok((slug, bytes)) => {
            let mut res = Body::from(bytes).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            let name = format!("attachment; filename=\"tenant-{slug}.zip\"");
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(status) => Problem::from_status(&status).into_response(),
    }
}

async fn tenant_zip_bytes(
    upstreams: &crate::upstream::Upstreams,
    id: &str,
    metadata: MetadataMap,
) -> Result<(String, Vec<u8>), tonic::Status> {
    use psa_proto::export::ExportTenantDataRequest;
    use psa_proto::export::tenant_export_service_client::TenantExportServiceClient;
    use psa_proto::identity::GetTenantRequest;
    use psa_proto::identity::tenant_service_client::TenantServiceClient;
    use std::io::Write as _;

    let identity = upstreams
        .for_service("psa.identity.v1.TenantService")
        .ok_or_else(|| tonic::Status::unavailable("no identity upstream"))?;
    let mut req =
        tonic::Request::from_parts(metadata.clone(), Default::default(), GetTenantRequest { id: id.to_owned() });
    req.set_timeout(crate::upstream::CALL_TIMEOUT);
    let tenant = TenantServiceClient::new(identity.channel()).get_tenant(req).await?.into_inner();
    // (service, table) → rows, in arrival order
    let mut tables: Vec<((String, String), Vec<serde_json::Value>)> = Vec::new();
    for upstream in upstreams.all() {
        let mut req = tonic::Request::from_parts(
            metadata.clone(),
            Default::default(),
            ExportTenantDataRequest { tenant_id: tenant.id.clone() },
        );
        req.set_timeout(std::time::Duration::from_secs(300));
        let mut stream = TenantExportServiceClient::new(upstream.channel()).export_tenant_data(req).await?.into_inner();
        while let Some(chunk) = stream.message().await? {
            let key = (chunk.service, chunk.table);
            let rows = chunk.rows.iter().filter_map(|r| serde_json::from_str(r).ok());
            match tables.last_mut() {
                Some((k, v)) if *k == key => v.extend(rows),
                _ => tables.push((key, rows.collect())),
            }
        }
    }
    let internal = |e: &dyn std::fmt::Display| tonic::Status::internal(format!("building the zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let counts: serde_json::Map<String, serde_json::Value> =
        tables.iter().map(|((s, t), rows)| (format!("{s}/{t}"), rows.len().into())).collect();
    let manifest = serde_json::json!({
        "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
        "exportTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "format": "one JSON array and one CSV file per service table; secrets are \"[redacted]\"",
        "rowCounts": counts,
    });
    zip.start_file("manifest.json", options).map_err(|e| internal(&e))?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).unwrap_or_default()).map_err(|e| internal(&e))?;
    for ((service, table), rows) in &tables {
        zip.start_file(format!("{service}/{table}.json"), options).map_err(|e| internal(&e))?;
        zip.write_all(&serde_json::to_vec(rows).unwrap_or_default()).map_err(|e| internal(&e))?;
        zip.start_file(format!("{service}/{table}.csv"), options).map_err(|e| internal(&e))?;
        zip.write_all(&rows_csv(rows)).map_err(|e| internal(&e))?;
    }
    let bytes = zip.finish().map_err(|e| internal(&e))?.into_inner();
    Ok((tenant.slug, bytes))
}

/// JSON row objects as CSV: the header is every key in first-seen order; text values as is,
/// null as empty, anything else as JSON.
pub fn rows_csv(rows: &[serde_json::Value]) -> Vec<u8> {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        if let Some(obj) = row.as_object() {
            for k in obj.keys() {
                if !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&columns);
    for row in rows {
        let record = columns.iter().map(|c| match row.get(*c) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        });
        let _ = w.write_record(record);
    }
    w.into_inner().unwrap_or_default()
}

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

/// The RFC 3339 time parameter `name`, if given; `Err(name)` when malformed.
fn time<'a>(q: &HashMap<String, String>, name: &'a str) -> Result<Option<prost_types::Timestamp>, &'a str> {
    let Some(v) = q.get(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    let t = chrono::DateTime::parse_from_rfc3339(v).map_err(|_| name)?;
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
        (Err(name), _) | (_, Err(name)) => return bad(name, "must be an RFC 3339 time"),
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

/// Rows fetched per call when exporting a list.
pub const LIST_PAGE: i32 = 200;

/// The list path of a `GET <list path>:export` request.
pub fn list_export_base(path: &str) -> Option<&str> {
    path.strip_suffix(":export").filter(|b| b.starts_with("/api/"))
}

/// `GET <list path>:export` for every transcoded list route (one whose response has
/// `next_page_token` and a repeated message field): the same query parameters as the list
/// (`filter`, `orderBy`, `showInactive`, …; `pageSize`/`pageToken` are the gateway's), the
/// caller's credentials (so the list's own permission, tenant and portal rules apply), pages of
/// [`LIST_PAGE`] rows streamed as CSV as they come. Columns: the item message's fields in
/// declaration order, by their JSON names; text as is, numbers, booleans and enum names as
/// written in JSON, timestamps RFC 3339, nested values as JSON; unset fields empty.
pub async fn list_csv(
    routes: &crate::routes::RouteTable,
    upstreams: &crate::upstream::Upstreams,
    uri: &http::Uri,
    base: &str,
    metadata: MetadataMap,
) -> Response {
    use crate::routes::Lookup;
    use prost_reflect::{Kind, Value};

    let not_found =
        || Problem::new(StatusCode::NOT_FOUND, Code::NotFound, format!("no list to export at {base}")).into_response();
    let Lookup::Found(route, bindings) = routes.lookup(&http::Method::GET, base) else { return not_found() };
    let output = route.method.output();
    let input = route.method.input();
    let items = output.fields().find(|f| f.is_list() && matches!(f.kind(), Kind::Message(_)));
    let (Some(items), Some(_), Some(_)) =
        (items, output.get_field_by_name("next_page_token"), input.get_field_by_name("page_token"))
    else {
        return not_found();
    };
    let Kind::Message(item) = items.kind() else { return not_found() };
    let columns: Vec<String> = item.fields().map(|f| f.json_name().to_owned()).collect();
    let mut query: Vec<(String, String)> = match Query::try_from_uri(uri) {
        Ok(Query(q)) => q,
        Err(_) => return bad("query", "malformed query string"),
    };
    query.retain(|(k, _)| !matches!(k.as_str(), "pageSize" | "page_size" | "pageToken" | "page_token"));
    let request = match crate::transcode::build_request(route, &bindings, &query, crate::transcode::Body::Empty) {
        Ok(mut r) => {
            if input.get_field_by_name("page_size").is_some() {
                r.set_field_by_name("page_size", Value::I32(LIST_PAGE));
            }
            r
        }
        Err(p) => return p.into_response(),
    };
    let service = route.method.parent_service();
    let Some(upstream) = upstreams.for_service(service.full_name()).cloned() else { return not_found() };
    let method = route.method.clone();
    let fetch = move |token: String| {
        let (upstream, method, metadata, mut request) =
            (upstream.clone(), method.clone(), metadata.clone(), request.clone());
        let items = items.clone();
        async move {
            request.set_field_by_name("page_token", Value::String(token));
            let reply = crate::upstream::unary(&upstream, &method, request, metadata).await?;
            let next = reply.get_field_by_name("next_page_token").and_then(|v| v.as_str().map(str::to_owned));
            let rows: Vec<serde_json::Value> = match reply.get_field(&items).as_list() {
                Some(list) => list
                    .iter()
                    .filter_map(|v| v.as_message())
                    .filter_map(|m| serde_json::from_slice(&crate::transcode::to_json(m)).ok())
                    .collect(),
                None => Vec::new(),
            };
            Ok::<_, tonic::Status>((rows, next.unwrap_or_default()))
        }
    };
    let first = match fetch(String::new()).await {
        Ok(p) => p,
        Err(status) => return Problem::from_status_for(&status, &input).into_response(),
    };
    let columns = std::sync::Arc::new(columns);
    let header = {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(columns.iter());
        w.into_inner().unwrap_or_default()
    };
    let stream = futures::stream::unfold(Some((first, header)), move |state| {
        let (fetch, columns) = (fetch.clone(), columns.clone());
        async move {
            let ((rows, next), prefix) = state?;
            let mut w = csv::Writer::from_writer(prefix);
            for row in &rows {
                let record = columns.iter().map(|c| match row.get(c) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                });
                let _ = w.write_record(record);
            }
            let bytes = w.into_inner().unwrap_or_default();
            let following = if next.is_empty() {
                None
            } else {
                match fetch(next).await {
                    Ok(p) => Some((p, Vec::new())),
                    Err(status) => {
                        tracing::warn!(%status, "list export aborted");
                        return Some((Err(std::io::Error::other(status.message().to_owned())), None));
                    }
                }
            };
            Some((Ok::<_, std::io::Error>(bytes), following))
        }
    });
    let name = base.rsplit('/').next().unwrap_or("export");
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
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

    #[test]
    fn tenant_rows_as_csv_and_export_paths() {
        let rows = vec![
            serde_json::json!({"id": "a", "name": "X, Y", "n": 1, "tags": ["p"]}),
            serde_json::json!({"id": "b", "name": null, "extra": true}),
        ];
        let text = String::from_utf8(rows_csv(&rows)).unwrap();
        assert_eq!(text, "id,n,name,tags,extra\na,1,\"X, Y\",\"[\"\"p\"\"]\",\nb,,,,true\n");
        assert_eq!(tenant_export_id("/api/v1/tenants/abc/export"), Some("abc"));
        assert_eq!(tenant_export_id("/api/v1/tenants//export"), None);
        assert_eq!(tenant_export_id("/api/v1/tenants/a/b/export"), None);
        assert_eq!(tenant_export_id("/api/v1/tenants/abc"), None);
    }
}

//! Hand-written download route for ticket attachments (DESIGN.md §5: a file download).
//!
//! `GET /api/v1/tickets/{ticket_id}/attachments/{id}:download` answers with the file itself:
//! its stored `Content-Type`, `Content-Disposition: attachment` with the file name, and
//! `X-Content-Type-Options: nosniff`. The gateway asks tickets'
//! `TicketAttachmentService.GetTicketAttachmentContent` with the caller's credentials, so the
//! same permission, tenant and portal rules apply; errors are problem documents.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use psa_proto::tickets::GetTicketAttachmentContentRequest;
use psa_proto::tickets::ticket_attachment_service_client::TicketAttachmentServiceClient;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use crate::problem::Problem;

/// Largest attachment the gateway relays, in bytes.
const MAX_DOWNLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The ticket and attachment ids of a download path, if it is one.
pub fn download_ids(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/api/v1/tickets/")?.strip_suffix(":download")?;
    let (ticket, rest) = rest.split_once('/')?;
    let id = rest.strip_prefix("attachments/")?;
    let ok = |s: &str| !s.is_empty() && !s.contains('/');
    (ok(ticket) && ok(id)).then_some((ticket, id))
}

/// Streams attachment `id` of ticket `ticket` back to the caller.
pub async fn download(tickets: Channel, ticket: &str, id: &str, metadata: MetadataMap) -> Response {
    let client = TicketAttachmentServiceClient::new(tickets).max_decoding_message_size(MAX_DOWNLOAD_BYTES);
    let mut req = tonic::Request::from_parts(
        metadata,
        Default::default(),
        GetTicketAttachmentContentRequest { ticket_id: ticket.to_owned(), id: id.to_owned() },
    );
    req.set_timeout(crate::upstream::CALL_TIMEOUT);
    let reply = match client.clone().get_ticket_attachment_content(req).await {
        Ok(r) => r.into_inner(),
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    let meta = reply.attachment.unwrap_or_default();
    let mut res = Response::new(Body::from(reply.content));
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    let ct = HeaderValue::from_str(&meta.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // RFC 6266: an ASCII fallback name plus the UTF-8 name (RFC 8187 encoding).
    let ascii: String =
        meta.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
    let encoded: String = meta
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_paths() {
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a1:download"), Some(("t1", "a1")));
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a1"), None);
        assert_eq!(download_ids("/api/v1/tickets/t1/notes/a1:download"), None);
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a/b:download"), None);
    }
}

//! Hand-written download routes for attachments (DESIGN.md §5: a file download).
//!
//! `GET /api/v1/tickets/{ticket_id}/attachments/{id}:download`,
//! `GET /api/v1/companies/{company_id}/attachments/{id}:download` and
//! `GET /api/v1/contracts/{contract_id}/attachments/{id}:download` answer with the file itself:
//! its stored `Content-Type`, `Content-Disposition: attachment` with the file name, and
//! `X-Content-Type-Options: nosniff`. The gateway asks tickets'
//! `TicketAttachmentService.GetTicketAttachmentContent` or contracts'
//! `CompanyAttachmentService.GetCompanyAttachmentContent` / `GetContractAttachmentContent`
//! with the caller's credentials, so
//! the same permission, tenant and portal rules apply; errors are problem documents.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use psa_proto::contracts::company_attachment_service_client::CompanyAttachmentServiceClient;
use psa_proto::contracts::{GetCompanyAttachmentContentRequest, GetContractAttachmentContentRequest};
use psa_proto::tickets::GetTicketAttachmentContentRequest;
use psa_proto::tickets::ticket_attachment_service_client::TicketAttachmentServiceClient;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use crate::problem::Problem;

/// Largest attachment the gateway relays, in bytes.
const MAX_DOWNLOAD_BYTES: usize = 64 * 1024 * 1024;

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Ticket,
    Company,
    /// A contract's documents (files of its company).
    Contract,
}

/// A download path: the owner kind, the owner's id and the attachment id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub owner: Owner,
    pub parent: String,
    pub id: String,
}

impl Download {
    /// Full name of the gRPC service that serves the bytes.
    pub fn service(&self) -> &'static str {
        match self.owner {
            Owner::Ticket => "psa.tickets.v1.TicketAttachmentService",
            Owner::Company | Owner::Contract => "psa.contracts.v1.CompanyAttachmentService",
        }
    }
}

/// The download of a path, if it is one.
pub fn download_ids(path: &str) -> Option<Download> {
    let rest = path.strip_prefix("/api/v1/")?.strip_suffix(":download")?;
    let (owner, rest) = if let Some(r) = rest.strip_prefix("tickets/") {
        (Owner::Ticket, r)
    } else if let Some(r) = rest.strip_prefix("contracts/") {
        (Owner::Contract, r)
    } else {
        (Owner::Company, rest.strip_prefix("companies/")?)
    };
    let (parent, rest) = rest.split_once('/')?;
    let id = rest.strip_prefix("attachments/")?;
    let ok = |s: &str| !s.is_empty() && !s.contains('/');
    (ok(parent) && ok(id)).then(|| Download { owner, parent: parent.to_owned(), id: id.to_owned() })
}

/// Sends attachment `d` back to the caller, asking `channel` (the owner's service).
pub async fn download(channel: Channel, d: &Download, metadata: MetadataMap) -> Response {
    let got = match d.owner {
        Owner::Ticket => {
            let client = TicketAttachmentServiceClient::new(channel).max_decoding_message_size(MAX_DOWNLOAD_BYTES);
            let msg = GetTicketAttachmentContentRequest { ticket_id: d.parent.clone(), id: d.id.clone() };
            let mut req = tonic::Request::from_parts(metadata, Default::default(), msg);
            req.set_timeout(crate::upstream::CALL_TIMEOUT);
            client.clone().get_ticket_attachment_content(req).await.map(|r| {
                let r = r.into_inner();
                let meta = r.attachment.unwrap_or_default();
                (meta.file_name, meta.content_type, r.content)
            })
        }
        Owner::Company => {
            let client = CompanyAttachmentServiceClient::new(channel).max_decoding_message_size(MAX_DOWNLOAD_BYTES);
            let msg = GetCompanyAttachmentContentRequest { company_id: d.parent.clone(), id: d.id.clone() };
            let mut req = tonic::Request::from_parts(metadata, Default::default(), msg);
            req.set_timeout(crate::upstream::CALL_TIMEOUT);
            client.clone().get_company_attachment_content(req).await.map(|r| {
                let r = r.into_inner();
                let meta = r.attachment.unwrap_or_default();
                (meta.file_name, meta.content_type, r.content)
            })
        }
        Owner::Contract => {
            let client = CompanyAttachmentServiceClient::new(channel).max_decoding_message_size(MAX_DOWNLOAD_BYTES);
            let msg = GetContractAttachmentContentRequest { contract_id: d.parent.clone(), id: d.id.clone() };
            let mut req = tonic::Request::from_parts(metadata, Default::default(), msg);
            req.set_timeout(crate::upstream::CALL_TIMEOUT);
            client.clone().get_contract_attachment_content(req).await.map(|r| {
                let r = r.into_inner();
                let meta = r.attachment.unwrap_or_default();
                (meta.file_name, meta.content_type, r.content)
            })
        }
    };
    match got {
        Ok((file_name, content_type, content)) => file_response(&file_name, &content_type, content),
        Err(status) => Problem::from_status(&status).into_response(),
    }
}

/// A 200 with `content` as a file download named `file_name`.
fn file_response(file_name: &str, content_type: &str, content: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(content));
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    let ct =
        HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // RFC 6266: an ASCII fallback name plus the UTF-8 name (RFC 8187 encoding).
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
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

    fn d(owner: Owner, parent: &str, id: &str) -> Option<Download> {
        Some(Download { owner, parent: parent.into(), id: id.into() })
    }

    #[test]
    fn download_paths() {
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a1:download"), d(Owner::Ticket, "t1", "a1"));
        assert_eq!(download_ids("/api/v1/companies/c1/attachments/a1:download"), d(Owner::Company, "c1", "a1"));
        assert_eq!(download_ids("/api/v1/contracts/k1/attachments/a1:download"), d(Owner::Contract, "k1", "a1"));
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a1"), None);
        assert_eq!(download_ids("/api/v1/tickets/t1/notes/a1:download"), None);
        assert_eq!(download_ids("/api/v1/tickets/t1/attachments/a/b:download"), None);
        assert_eq!(download_ids("/api/v1/contacts/c1/attachments/a1:download"), None);
        assert_eq!(download_ids("/api/v1/companies//attachments/a1:download"), None);
    }
}

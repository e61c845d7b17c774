//! Request bodies: JSON for every route, and for the methods listed in [`FILE_UPLOADS`] also a
//! file, sent raw (`Content-Type: text/csv`) or as `multipart/form-data`. A file lands in
//! the method's `bytes` field and the other form fields are applied like query parameters,
//! so the RPC itself is called like any transcoded one (DESIGN.md §5: hand-written HTTP only
//! where HTTP itself matters, here file upload).

use axum::extract::{FromRequest, Multipart};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use tonic::Code;

use crate::problem::Problem;
use crate::transcode::Body;

/// A method whose body may be a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileUpload {
    /// Full name of the gRPC method, `pkg.Service.Method`.
    pub method: &'static str,
    /// Proto name of its `bytes` field that receives the file.
    pub field: &'static str,
    /// Name of the multipart form field carrying the file.
    pub form_field: &'static str,
    /// Media types accepted as a raw file body (besides multipart and JSON).
    pub media_types: &'static [&'static str],
}

/// Raw body media types accepted for attachments (tickets, companies, contracts).
const ATTACHMENT_MEDIA_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
];

/// Methods that take a file. One line per method.
pub const FILE_UPLOADS: &[FileUpload] = &[
    FileUpload {
        method: "psa.contracts.v1.CompanyService.ImportCompanies",
        field: "csv",
        form_field: "file",
        media_types: &["text/csv", "text/plain", "application/octet-stream"],
    },
    // The inbound mail endpoint: one raw RFC 5322 message (RFC 2046 §5.2.1 `message/rfc822`).
    FileUpload {
        method: "psa.tickets.v1.EmailService.ReceiveEmailMessage",
        field: "raw",
        form_field: "message",
        media_types: &["message/rfc822", "text/plain", "application/octet-stream"],
    },
    // Files attached to a ticket; the service detects the real type from the bytes.
    FileUpload {
        method: "psa.tickets.v1.TicketAttachmentService.UploadTicketAttachment",
        field: "content",
        form_field: "file",
        media_types: ATTACHMENT_MEDIA_TYPES,
    },
    // Files attached to a company; the service detects the real type from the bytes.
    FileUpload {
        method: "psa.contracts.v1.CompanyAttachmentService.UploadCompanyAttachment",
        field: "content",
        form_field: "file",
        media_types: ATTACHMENT_MEDIA_TYPES,
    },
    // A contract's documents (files of its company); likewise.
    FileUpload {
        method: "psa.contracts.v1.CompanyAttachmentService.UploadContractAttachment",
        field: "content",
        form_field: "file",
        media_types: ATTACHMENT_MEDIA_TYPES,
    },
];

/// The upload rule of the method `full_name`, if it takes a file.
pub fn file_upload(full_name: &str) -> Option<&'static FileUpload> {
    FILE_UPLOADS.iter().find(|u| u.method == full_name)
}

/// The media type of `headers` (`content-type` without parameters, lower case), if any.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// Interprets a request body by its content type: JSON (or none) for every route; a raw file
/// or `multipart/form-data` when `upload` is given.
///
/// # Errors
/// 415 for another content type; 400 for a malformed form or one without the file field.
pub async fn read_body(headers: &HeaderMap, bytes: Bytes, upload: Option<&FileUpload>) -> Result<Body, Problem> {
    let media = media_type(headers);
    let is_json = match media.as_deref() {
        None => true,
        Some(m) => m == "application/json" || m.ends_with("+json"),
    };
    if is_json {
        return Ok(if bytes.is_empty() { Body::Empty } else { Body::Json(bytes) });
    }
    let media = media.unwrap_or_default();
    match upload {
        Some(u) if media == "multipart/form-data" => read_multipart(headers, bytes, u).await,
        Some(u) if u.media_types.contains(&media.as_str()) => {
            Ok(Body::File { field: u.field.to_owned(), data: bytes, params: Vec::new() })
        }
        Some(u) => {
            Err(unsupported(&media, &format!("application/json, multipart/form-data or {}", u.media_types.join(", "))))
        }
        None => Err(unsupported(&media, "application/json")),
    }
}

fn unsupported(media: &str, expected: &str) -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::InvalidArgument,
        format!("content type `{media}` is not accepted here; send {expected}"),
    )
}

async fn read_multipart(headers: &HeaderMap, bytes: Bytes, u: &FileUpload) -> Result<Body, Problem> {
    let mut req = http::Request::new(axum::body::Body::from(bytes));
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| Problem::bad_request(format!("malformed multipart form: {}", e.body_text())))?;
    let mut data = None;
    let mut params = Vec::new();
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| Problem::bad_request(format!("malformed multipart form: {}", e.body_text())))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        if name == u.form_field {
            let bytes = field.bytes().await.map_err(|e| Problem::invalid_field(&name, e.body_text()))?;
            data = Some(bytes);
        } else {
            let text = field.text().await.map_err(|e| Problem::invalid_field(&name, e.body_text()))?;
            params.push((name, text));
        }
    }
    let data = data.ok_or_else(|| Problem::invalid_field(u.form_field, "the form has no file field of this name"))?;
    Ok(Body::File { field: u.field.to_owned(), data, params })
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(ct: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    }

    #[tokio::test]
    async fn csv_multipart_and_json_bodies() {
        let u = file_upload("psa.contracts.v1.CompanyService.ImportCompanies");
        let b = read_body(&headers("text/csv; charset=utf-8"), Bytes::from_static(b"a\n"), u).await.unwrap();
        assert!(matches!(b, Body::File { ref field, ref data, .. } if field == "csv" && data.as_ref() == b"a\n"));

        let form = "--XX\r\nContent-Disposition: form-data; name=\"dryRun\"\r\n\r\ntrue\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\nname\nAcme\n\r\n--XX--\r\n";
        let b = read_body(&headers("multipart/form-data; boundary=XX"), Bytes::from(form), u).await.unwrap();
        let Body::File { data, params, .. } = b else { panic!("not a file") };
        assert_eq!(data.as_ref(), b"name\nAcme\n");
        assert_eq!(params, vec![("dryRun".to_owned(), "true".to_owned())]);

        let b = read_body(&headers("application/json"), Bytes::from_static(b"{}"), u).await.unwrap();
        assert!(matches!(b, Body::Json(_)));

        let e = read_body(&headers("text/csv"), Bytes::new(), None).await.unwrap_err();
        assert_eq!(e.status, 415);
        let e = read_body(&headers("multipart/form-data; boundary=XX"), Bytes::from_static(b"--XX--\r\n"), u)
            .await
            .unwrap_err();
        assert_eq!(e.status, 400);
    }
}

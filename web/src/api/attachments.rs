//! Files attached to a record (proto `CompanyAttachmentService` in
//! `psa/contracts/v1/clients.proto`; ticket attachments in `psa/tickets/v1/desk.proto` have the
//! same REST shape). Every function takes the collection path, e.g.
//! `/api/v1/companies/{id}/attachments` (see [`company_attachments_path`]), so one client
//! serves every record type with attachments.

use gloo_net::http::Method;
use serde::Deserialize;
use wasm_bindgen::JsValue;

use super::{ApiResult, Body, call, encode, get, parse, with_query};

/// One stored file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Attachment {
    /// Id.
    pub id: String,
    /// File name as uploaded (1–255 characters, no path separators).
    pub file_name: String,
    /// `type/subtype` detected from the bytes by the server.
    pub content_type: String,
    /// Size in bytes (proto `int64`, a decimal string in JSON).
    pub size_bytes: String,
    /// Identity user id of the uploader.
    pub uploaded_by: String,
    /// Upload time, RFC 3339.
    pub create_time: String,
    /// The contract it documents, or empty.
    pub contract_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AttachmentPage {
    attachments: Vec<Attachment>,
}

/// The attachments collection of company `company_id`.
pub fn company_attachments_path(company_id: &str) -> String {
    format!("/api/v1/companies/{}/attachments", encode(company_id))
}

/// The attachments collection of ticket `ticket_id`.
pub fn ticket_attachments_path(ticket_id: &str) -> String {
    format!("/api/v1/tickets/{}/attachments", encode(ticket_id))
}

/// The documents collection of contract `contract_id` (files of its company).
pub fn contract_attachments_path(contract_id: &str) -> String {
    format!("/api/v1/contracts/{}/attachments", encode(contract_id))
}

/// The attachments under `path`, newest first: the first 100 of a `paged` collection, else
/// all (ticket attachments are not paged).
pub async fn list(path: &str, paged: bool) -> ApiResult<Vec<Attachment>> {
    let url = if paged { with_query(path, &[("pageSize", "100")]) } else { path.to_owned() };
    get::<AttachmentPage>(url).await.map(|p| p.attachments)
}

/// Uploads `file` (a `File` or `Blob`) as `file_name`, sent raw as
/// `application/octet-stream` with `?fileName=`; the server detects the real type and refuses
/// executables and files over its size cap (400 on `content` / `file_name`).
pub async fn upload(path: &str, file: &JsValue, file_name: &str) -> ApiResult<Attachment> {
    let url = with_query(path, &[("fileName", file_name)]);
    let body = Body::Raw { value: file.clone(), content_type: "application/octet-stream" };
    parse(&call(Method::POST, url, body).await?)
}

/// Downloads attachment `a` of `path` and saves it under its file name.
pub async fn download(path: &str, a: &Attachment) -> ApiResult<()> {
    super::download(format!("{path}/{}:download", encode(&a.id)), &a.file_name).await
}

/// Deletes attachment `id` of `path` and its bytes.
pub async fn delete(path: &str, id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("{path}/{}", encode(id)), Body::Empty).await.map(|_| ())
}

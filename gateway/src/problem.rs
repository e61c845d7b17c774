//! RFC 9457 problem details (`application/problem+json`) for every REST error, and the
//! gRPC status → HTTP status mapping (google.rpc.Code, as in `google/rpc/code.proto`).
//!
//! A problem looks like
//! `{"type":"about:blank","title":"Bad Request","status":400,"detail":"…",
//! "code":"INVALID_ARGUMENT","errors":[{"field":"company.name","detail":"must not be empty"}]}`:
//! `code` is always a gRPC code name (`INVALID_ARGUMENT`, `NOT_FOUND`, …) so that clients
//! switch on one closed set; `errors` lists field violations (from `google.rpc.BadRequest`
//! in the status details, or found by the gateway), field paths in lowerCamelCase.
//! A 5xx never carries the upstream's message: its detail is generic and the cause is logged.
//!
//! Errors found by the gateway itself: malformed JSON, wrong types, unknown enum values or
//! query parameters 400 `INVALID_ARGUMENT` (naming the field); unknown route 404
//! `NOT_FOUND`; wrong HTTP method 405 `UNIMPLEMENTED` (with `Allow`); body over 10 MiB 413
//! `RESOURCE_EXHAUSTED`; unsupported content type 415 `INVALID_ARGUMENT`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use tonic::Code;
use tonic_types::StatusExt as _;

use crate::transcode::{json_path, json_path_in};

/// Media type of problem responses (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document with the PSA extensions `code` and `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Problem type URI; always `about:blank` (the HTTP status says what happened).
    #[serde(rename = "type")]
    pub type_uri: &'static str,
    /// The HTTP reason phrase of `status`, e.g. `Bad Request`.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// gRPC code name, e.g. `INVALID_ARGUMENT`.
    pub code: &'static str,
    /// Per-field violations; omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid input field of a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field in the request's JSON, lowerCamelCase (`company.companyType`), or a
    /// location such as `line 3: contactEmail` for files.
    pub field: String,
    /// What is wrong with it.
    pub detail: String,
}

impl Problem {
    /// A problem with HTTP status `status`, gRPC code `code` and `detail`.
    pub fn new(status: StatusCode, code: Code, detail: impl Into<String>) -> Self {
        Self {
            type_uri: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code_name(code),
            errors: Vec::new(),
        }
    }

    /// 400 INVALID_ARGUMENT without a field.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::InvalidArgument, detail)
    }

    /// 400 INVALID_ARGUMENT naming one field (`field` already in JSON form); a plain
    /// [`Problem::bad_request`] when `field` is empty.
    pub fn invalid_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let (field, detail) = (field.into(), detail.into());
        if field.is_empty() {
            return Self::bad_request(detail);
        }
        let mut p = Self::bad_request(format!("invalid value for `{field}`: {detail}"));
        p.errors.push(FieldError { field, detail });
        p
    }

    /// 500 INTERNAL with a generic detail; `cause` is logged, never shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal gateway error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal, generic_detail(500))
    }

    /// Maps a gRPC status from an upstream: HTTP status per [`http_status`], `detail` from the
    /// message (generic for 5xx), `errors` from a `google.rpc.BadRequest` detail.
    pub fn from_status(status: &tonic::Status) -> Self {
        Self::from_status_with(status, json_path)
    }

    /// [`Self::from_status`] for a call whose request message is `request`: field paths are
    /// written as JSON names along the message (see [`json_path_in`]).
    pub fn from_status_for(status: &tonic::Status, request: &prost_reflect::MessageDescriptor) -> Self {
        Self::from_status_with(status, |field| json_path_in(request, field))
    }

    fn from_status_with(status: &tonic::Status, path: impl Fn(&str) -> String) -> Self {
        let http = http_status(status.code());
        if http.is_server_error() {
            tracing::warn!(code = ?status.code(), message = status.message(), "upstream error");
            return Self::new(http, status.code(), generic_detail(http.as_u16()));
        }
        let mut p = Self::new(http, status.code(), status.message());
        if let Some(bad) = status.get_details_bad_request() {
            p.errors = bad
                .field_violations
                .into_iter()
                .map(|v| FieldError { field: path(&v.field), detail: v.description })
                .collect();
        }
        p
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (self.status_code(), body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        res
    }
}

fn generic_detail(status: u16) -> &'static str {
    match status {
        501 => "This operation is not implemented.",
        503 => "The service is unavailable; try again later.",
        504 => "The service did not answer in time.",
        _ => "The request could not be completed; the error has been logged.",
    }
}

/// HTTP status for a gRPC code (the google.rpc.Code mapping): INVALID_ARGUMENT,
/// FAILED_PRECONDITION and OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
/// NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409, RESOURCE_EXHAUSTED 429, CANCELLED 499,
/// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, everything else 500.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The canonical name of a gRPC code, e.g. `INVALID_ARGUMENT`.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use tonic_types::{ErrorDetails, FieldViolation};

    use super::*;

    #[test]
    fn field_violations_become_errors_in_lower_camel() {
        let details = ErrorDetails::with_bad_request(vec![
            FieldViolation::new("company.company_type", "unknown type"),
            FieldViolation::new("line 3: contactEmail", "not an email"),
        ]);
        let status = tonic::Status::with_error_details(Code::InvalidArgument, "invalid company", details);
        let p = Problem::from_status(&status);
        assert_eq!(p.status, 400);
        assert_eq!(p.title, "Bad Request");
        assert_eq!(p.code, "INVALID_ARGUMENT");
        assert_eq!(p.detail, "invalid company");
        assert_eq!(p.errors[0], FieldError { field: "company.companyType".into(), detail: "unknown type".into() });
        assert_eq!(p.errors[1].field, "line 3: contactEmail");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["errors"][0]["field"], "company.companyType");
    }

    #[test]
    fn status_mapping() {
        let cases = [
            (Code::InvalidArgument, 400),
            (Code::FailedPrecondition, 400),
            (Code::OutOfRange, 400),
            (Code::Unauthenticated, 401),
            (Code::PermissionDenied, 403),
            (Code::NotFound, 404),
            (Code::AlreadyExists, 409),
            (Code::Aborted, 409),
            (Code::ResourceExhausted, 429),
            (Code::Unimplemented, 501),
            (Code::Unavailable, 503),
            (Code::DeadlineExceeded, 504),
            (Code::Internal, 500),
            (Code::Unknown, 500),
            (Code::DataLoss, 500),
        ];
        for (code, http) in cases {
            assert_eq!(http_status(code).as_u16(), http, "{code:?}");
        }
    }

    #[test]
    fn server_errors_hide_the_message() {
        let p = Problem::from_status(&tonic::Status::internal("db password is hunter2"));
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("hunter2"));
        let p = Problem::from_status(&tonic::Status::unavailable("10.0.0.3 refused"));
        assert_eq!(p.status, 503);
        assert_eq!(p.code, "UNAVAILABLE");
        assert!(!p.detail.contains("10.0.0.3"));
        let p = Problem::from_status(&tonic::Status::not_found("ticket not found"));
        assert_eq!((p.status, p.detail.as_str()), (404, "ticket not found"));
        assert!(p.errors.is_empty());
    }

    #[test]
    fn response_has_problem_media_type() {
        let res = Problem::bad_request("x").into_response();
        assert_eq!(res.status(), 400);
        assert_eq!(res.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}

//! The static web client (DESIGN.md §2 `web/`): files from `web_dir`, and `index.html` for
//! every other GET so that the single-page app's own router handles deep links
//! (`/tickets/42`, `/portal/...`). Without a built client, a short HTML page says so.

use std::path::PathBuf;

use axum::body::Body;
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderValue, Request, StatusCode, Uri, header};
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

/// Serves the built web client from a directory.
#[derive(Debug, Clone)]
pub struct WebClient {
    dir: PathBuf,
    files: ServeDir,
}

const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>PSA</title></head><body><h1>PSA</h1><p>The web client is not built. Build it with \
<code>scripts/build-web.sh</code> (or set <code>PSA_WEB_DIR</code> to its output); the REST \
API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></body></html>\n";

impl WebClient {
    /// A client served from `dir` (need not exist yet; it is looked at per request).
    pub fn new(dir: PathBuf) -> Self {
        let files = ServeDir::new(&dir);
        Self { dir, files }
    }

    /// Answers a GET or HEAD: the file at the path, else `index.html` (200, not cached), else
    /// the "not built" page (200 at `/`, 404 elsewhere).
    pub async fn serve(&self, req: Request<Body>) -> Response {
        let (parts, _) = req.into_parts();
        let make = |uri: Uri| {
            let mut r = Request::new(Body::empty());
            *r.method_mut() = parts.method.clone();
            *r.headers_mut() = parts.headers.clone();
            *r.uri_mut() = uri;
            r
        };
        let Ok(res) = self.files.clone().oneshot(make(parts.uri.clone())).await;
        if res.status() != StatusCode::NOT_FOUND {
            return res.map(Body::new);
        }
        let index = self.dir.join("index.html");
        if tokio::fs::metadata(&index).await.is_ok_and(|m| m.is_file()) {
            let mut req = make(Uri::from_static("/index.html"));
            req.headers_mut().remove(header::RANGE);
            let Ok(res) = ServeFile::new(index).oneshot(req).await;
            let mut res = res.map(Body::new);
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            return res;
        }
        let status = if parts.uri.path() == "/" { StatusCode::OK } else { StatusCode::NOT_FOUND };
        (status, Html(NOT_BUILT)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(web: &WebClient, path: &str) -> (StatusCode, String) {
        let req = Request::get(path).body(Body::empty()).unwrap();
        let res = web.serve(req).await;
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn files_spa_fallback_and_placeholder() {
        let dir = std::env::temp_dir().join(format!("psa-gw-web-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<html>app</html>").unwrap();
        std::fs::write(dir.join("assets/app.js"), "js").unwrap();
        let web = WebClient::new(dir.clone());
        assert_eq!(get(&web, "/").await, (StatusCode::OK, "<html>app</html>".into()));
        assert_eq!(get(&web, "/assets/app.js").await, (StatusCode::OK, "js".into()));
        assert_eq!(get(&web, "/tickets/42").await, (StatusCode::OK, "<html>app</html>".into()));
        std::fs::remove_dir_all(&dir).unwrap();

        let (status, body) = get(&web, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("not built"));
        assert_eq!(get(&web, "/tickets/42").await.0, StatusCode::NOT_FOUND);
    }
}

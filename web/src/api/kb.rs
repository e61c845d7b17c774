//! Knowledge base (proto `psa/tickets/v1/kb.proto`): articles, search and ratings.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, call, encode, get, send_json, with_query};

/// An article (content and HTML only in single reads).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Article {
    /// Id (output only).
    #[serde(skip_serializing)]
    pub id: String,
    /// 1–200 characters.
    pub title: String,
    /// Markdown.
    pub content: String,
    /// Sanitised HTML rendered by the server (output only).
    #[serde(skip_serializing)]
    pub content_html: String,
    /// Plain text.
    pub summary: String,
    /// `KB_VISIBILITY_…`.
    pub visibility: String,
    /// Lower-case tags.
    pub tags: Vec<String>,
    /// `KB_ARTICLE_STATUS_…` (output only).
    #[serde(skip_serializing)]
    pub status: String,
    /// Current version (output only).
    #[serde(skip_serializing)]
    pub version: i32,
    /// Views (output only).
    #[serde(skip_serializing)]
    pub view_count: i32,
    /// Ratings (output only).
    #[serde(skip_serializing)]
    pub helpful_count: i32,
    /// Ratings (output only).
    #[serde(skip_serializing)]
    pub not_helpful_count: i32,
    /// Last change (RFC 3339, output only).
    #[serde(skip_serializing)]
    pub update_time: String,
    /// Related articles the reader may see (id, title, summary; output only).
    #[serde(skip_serializing)]
    pub related_articles: Vec<Article>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ArticleList {
    articles: Vec<Article>,
}

/// A search hit.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchResult {
    /// The article, without content.
    pub article: Article,
    /// Excerpt around the matches.
    pub snippet: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SearchList {
    results: Vec<SearchResult>,
}

/// One saved version.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Version {
    /// 1, 2, …
    pub version: i32,
    /// Title at that version.
    pub title: String,
    /// When (RFC 3339).
    pub create_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct VersionList {
    versions: Vec<Version>,
}

/// Articles matching the AIP-160 `filter` (e.g. by status), most recently updated first.
pub async fn list_articles(filter: &str) -> ApiResult<Vec<Article>> {
    get::<ArticleList>(with_query("/api/v1/kb/articles", &[("filter", filter), ("pageSize", "100")]))
        .await
        .map(|l| l.articles)
}

/// Full-text search, best match first.
pub async fn search(query: &str) -> ApiResult<Vec<SearchResult>> {
    get::<SearchList>(with_query("/api/v1/kb/search", &[("query", query)])).await.map(|l| l.results)
}

/// One article with its HTML (counts a view).
pub async fn get_article(id: &str) -> ApiResult<Article> {
    get(format!("/api/v1/kb/articles/{}", encode(id))).await
}

/// Creates a draft article.
pub async fn create_article(article: &Article) -> ApiResult<Article> {
    send_json(Method::POST, "/api/v1/kb/articles".into(), article).await
}

/// Changes the fields present in `patch` (title, summary, content, tags, visibility, …).
pub async fn update_article(id: &str, patch: &serde_json::Value) -> ApiResult<Article> {
    send_json(Method::PATCH, format!("/api/v1/kb/articles/{}", encode(id)), patch).await
}

/// `publish`, `archive`, `helpful` or `not-helpful`.
pub async fn article_action(id: &str, action: &str) -> ApiResult<Article> {
    send_json(Method::POST, format!("/api/v1/kb/articles/{}/{action}", encode(id)), &serde_json::json!({})).await
}

/// The article's versions, newest first.
pub async fn versions(id: &str) -> ApiResult<Vec<Version>> {
    get::<VersionList>(format!("/api/v1/kb/articles/{}/versions", encode(id))).await.map(|l| l.versions)
}

/// A draft article from a ticket.
pub async fn from_ticket(ticket_id: &str) -> ApiResult<Article> {
    send_json(Method::POST, format!("/api/v1/kb/articles/from-ticket/{}", encode(ticket_id)), &serde_json::json!({}))
        .await
}

/// Deletes an article.
pub async fn delete_article(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/kb/articles/{}", encode(id)), Body::Empty).await.map(|_| ())
}

//! Knowledge-base rules (PRD §3.12): category and article fields, slugs, the article
//! lifecycle (draft → published → archived), who may read what (visibility), Markdown
//! rendering with sanitising, and the draft an article starts from when made from a ticket.
//! Pure: no storage, no transport.

use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use uuid::Uuid;

/// Longest article content (Markdown), in characters.
pub const MAX_CONTENT: usize = 200_000;
/// Most related articles per article.
pub const MAX_RELATED_ARTICLES: usize = 20;
/// Most linked tickets per article.
pub const MAX_RELATED_TICKETS: usize = 50;

text_enum!(
    /// Who may read a category or article besides staff.
    Visibility { Internal => "internal", Public => "public", ClientSpecific => "client_specific" }
);

text_enum!(
    /// Where an article is in its life.
    ArticleStatus { Draft => "draft", Published => "published", Archived => "archived" }
);

/// Who is reading: staff see everything; a portal user sees published articles that are
/// public or client-specific to their company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Staff,
    Portal { company: Uuid },
}

impl Reader {
    /// Whether this reader may see an article (or, with `status` `Published`, a category).
    pub fn may_read(self, status: ArticleStatus, visibility: Visibility, companies: &[Uuid]) -> bool {
        match self {
            Reader::Staff => true,
            Reader::Portal { company } => {
                status == ArticleStatus::Published
                    && match visibility {
                        Visibility::Public => true,
                        Visibility::ClientSpecific => companies.contains(&company),
                        Visibility::Internal => false,
                    }
            }
        }
    }
}

/// A URL-safe slug of `text`: lower-case ASCII letters and digits joined by single dashes,
/// at most 80 characters; `article` when nothing is left (e.g. only punctuation).
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "article".into() } else { out }
}

fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A category as written by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryFields {
    /// 1–100 characters.
    pub name: String,
    /// At most 2000 characters.
    pub description: String,
    pub parent_id: Option<Uuid>,
    pub visibility: Visibility,
    /// Companies of a client-specific category.
    pub company_ids: Vec<Uuid>,
    pub sort_order: i32,
}

impl CategoryFields {
    /// Trims and checks the fields (names under `category.`).
    ///
    /// # Errors
    /// INVALID_ARGUMENT with every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        v.required("category.name", &self.name).max_chars("category.name", &self.name, 100);
        v.max_chars("category.description", &self.description, 2000);
        self.company_ids = dedup(std::mem::take(&mut self.company_ids));
        if self.visibility == Visibility::ClientSpecific && self.company_ids.is_empty() {
            v.push("category.company_ids", "name at least one company for a client-specific category");
        }
        if self.visibility != Visibility::ClientSpecific {
            self.company_ids.clear();
        }
        v.finish()?;
        Ok(self)
    }
}

/// A stored category.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: Uuid,
    pub slug: String,
    pub fields: CategoryFields,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An article as written by the API.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArticleFields {
    /// 1–200 characters.
    pub title: String,
    /// Markdown, at most [`MAX_CONTENT`] characters.
    pub content: String,
    /// At most 1000 characters.
    pub summary: String,
    pub category_id: Option<Uuid>,
    pub visibility: Visibility,
    /// Companies of a client-specific article.
    pub company_ids: Vec<Uuid>,
    pub tags: Vec<String>,
    pub related_article_ids: Vec<Uuid>,
    pub related_ticket_ids: Vec<Uuid>,
}

impl Default for Visibility {
    /// Staff only.
    fn default() -> Self {
        Visibility::Internal
    }
}

impl ArticleFields {
    /// Trims and checks the fields (names under `article.`).
    ///
    /// # Errors
    /// INVALID_ARGUMENT with every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.title = self.title.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        let mut v = Validator::new();
        v.required("article.title", &self.title).max_chars("article.title", &self.title, 200);
        v.max_chars("article.summary", &self.summary, 1000);
        v.max_chars("article.content", &self.content, MAX_CONTENT);
        self.tags = v.tags("article.tags", std::mem::take(&mut self.tags));
        self.company_ids = dedup(std::mem::take(&mut self.company_ids));
        if self.visibility == Visibility::ClientSpecific && self.company_ids.is_empty() {
            v.push("article.company_ids", "name at least one company for a client-specific article");
        }
        if self.visibility != Visibility::ClientSpecific {
            self.company_ids.clear();
        }
        self.related_article_ids = dedup(std::mem::take(&mut self.related_article_ids));
        if self.related_article_ids.len() > MAX_RELATED_ARTICLES {
            v.push("article.related_article_ids", format!("at most {MAX_RELATED_ARTICLES} related articles"));
        }
        self.related_ticket_ids = dedup(std::mem::take(&mut self.related_ticket_ids));
        if self.related_ticket_ids.len() > MAX_RELATED_TICKETS {
            v.push("article.related_ticket_ids", format!("at most {MAX_RELATED_TICKETS} tickets"));
        }
        v.finish()?;
        Ok(self)
    }
}

/// A stored article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: Uuid,
    pub slug: String,
    pub fields: ArticleFields,
    pub status: ArticleStatus,
    pub author_id: Uuid,
    pub view_count: i32,
    pub helpful_count: i32,
    pub not_helpful_count: i32,
    /// Current version number (1 on creation).
    pub version: i32,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Article {
    /// The status after publishing: from draft or archived.
    ///
    /// # Errors
    /// FAILED_PRECONDITION when already published.
    pub fn publish(&self) -> Result<ArticleStatus, DomainError> {
        match self.status {
            ArticleStatus::Draft | ArticleStatus::Archived => Ok(ArticleStatus::Published),
            ArticleStatus::Published => Err(DomainError::FailedPrecondition("the article is already published".into())),
        }
    }

    /// The status after archiving: from draft or published.
    ///
    /// # Errors
    /// FAILED_PRECONDITION when already archived.
    pub fn archive(&self) -> Result<ArticleStatus, DomainError> {
        match self.status {
            ArticleStatus::Draft | ArticleStatus::Published => Ok(ArticleStatus::Archived),
            ArticleStatus::Archived => Err(DomainError::FailedPrecondition("the article is already archived".into())),
        }
    }
}

/// One saved version of an article's text.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleVersion {
    pub version: i32,
    pub title: String,
    pub summary: String,
    pub content: String,
    pub edited_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// `markdown` as HTML safe to insert into a page: CommonMark with tables, strikethrough and
/// task lists, then sanitised by ammonia's defaults (no `<script>`, `<style>`, event-handler
/// attributes or `javascript:` URLs; links get `rel="noopener noreferrer"`).
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, opts));
    ammonia::clean(&raw)
}

/// The draft an article made from a ticket starts as: the ticket's title, its description as
/// the problem and its public notes (oldest first) as the resolution; internal, linked to it.
pub fn draft_from_ticket(
    ticket_id: Uuid,
    number: &str,
    title: &str,
    description: &str,
    public_notes: &[String],
) -> ArticleFields {
    let mut content = String::new();
    content.push_str("## Problem\n\n");
    content.push_str(if description.trim().is_empty() { "_No description._" } else { description.trim() });
    content.push_str("\n\n## Resolution\n\n");
    if public_notes.is_empty() {
        content.push_str("_To be written._\n");
    }
    for note in public_notes {
        content.push_str(note.trim());
        content.push_str("\n\n");
    }
    let title: String = title.trim().chars().take(200).collect();
    ArticleFields {
        title: if title.is_empty() { format!("Ticket {number}") } else { title },
        summary: format!("From ticket {number}."),
        content: content.chars().take(MAX_CONTENT).collect(),
        related_ticket_ids: vec![ticket_id],
        ..ArticleFields::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("  VPN: Reset MFA token (Okta)! "), "vpn-reset-mfa-token-okta");
        assert_eq!(slugify("Ünïcode — only"), "n-code-only");
        assert_eq!(slugify("!!!"), "article");
        assert!(slugify(&"a".repeat(300)).len() <= 80);
    }

    #[test]
    fn article_validation_names_every_field() {
        let bad = ArticleFields {
            title: "  ".into(),
            summary: "x".repeat(1001),
            visibility: Visibility::ClientSpecific,
            tags: vec!["t".repeat(51)],
            ..ArticleFields::default()
        };
        let e = bad.normalize().unwrap_err().to_string();
        for f in ["article.title", "article.summary", "article.company_ids", "article.tags"] {
            assert!(e.contains(f), "{f}: {e}");
        }
    }

    #[test]
    fn tags_and_ids_are_normalised() {
        let c = Uuid::now_v7();
        let a = ArticleFields {
            title: " VPN ".into(),
            tags: vec![" VPN ".into(), "vpn".into(), "".into(), "Okta".into()],
            visibility: Visibility::Public,
            company_ids: vec![c],
            related_ticket_ids: vec![c, c],
            ..ArticleFields::default()
        }
        .normalize()
        .unwrap();
        assert_eq!(a.title, "VPN");
        assert_eq!(a.tags, ["vpn", "okta"]);
        assert!(a.company_ids.is_empty(), "company ids only matter for client-specific articles");
        assert_eq!(a.related_ticket_ids, [c]);
    }

    #[test]
    fn portal_readers_see_published_public_or_their_company() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        let r = Reader::Portal { company: mine };
        use ArticleStatus::*;
        use Visibility::*;
        assert!(r.may_read(Published, Public, &[]));
        assert!(r.may_read(Published, ClientSpecific, &[other, mine]));
        assert!(!r.may_read(Published, ClientSpecific, &[other]));
        assert!(!r.may_read(Published, Internal, &[]));
        assert!(!r.may_read(Draft, Public, &[]));
        assert!(!r.may_read(Archived, Public, &[]));
        assert!(Reader::Staff.may_read(Draft, Internal, &[]));
    }

    #[test]
    fn lifecycle() {
        let mut a = Article {
            id: Uuid::nil(),
            slug: "a".into(),
            fields: ArticleFields::default(),
            status: ArticleStatus::Draft,
            author_id: Uuid::nil(),
            view_count: 0,
            helpful_count: 0,
            not_helpful_count: 0,
            version: 1,
            published_at: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        a.status = a.publish().unwrap();
        assert!(a.publish().is_err());
        a.status = a.archive().unwrap();
        assert!(a.archive().is_err());
        assert_eq!(a.publish().unwrap(), ArticleStatus::Published);
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown(
            "# Reset\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n\
             [x](javascript:alert(1)) <img src=x onerror=alert(1)> ~~old~~",
        );
        assert!(
            html.contains("<h1>Reset</h1>") && html.contains("<table>") && html.contains("<del>old</del>"),
            "{html}"
        );
        assert!(!html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"), "{html}");
    }

    #[test]
    fn draft_from_a_ticket() {
        let t = Uuid::now_v7();
        let d = draft_from_ticket(t, "T-000042", "VPN drops", "Drops every hour.", &["Raised the MTU.".into()]);
        assert_eq!((d.title.as_str(), d.related_ticket_ids.as_slice()), ("VPN drops", [t].as_slice()));
        assert!(d.content.contains("## Problem\n\nDrops every hour.") && d.content.contains("Raised the MTU."));
        assert_eq!(d.visibility, Visibility::Internal);
        assert!(d.normalize().is_ok());
    }
}

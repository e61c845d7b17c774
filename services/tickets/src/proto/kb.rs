//! Knowledge base domain ⇄ proto.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_id, timestamp};
use psa_proto::tickets as pb;
use uuid::Uuid;

use crate::app::kb::ArticleView;
use crate::domain::kb::{Article, ArticleFields, ArticleStatus, ArticleVersion, Category, CategoryFields, Visibility};
use crate::repo::kb::Hit;

fn visibility_pb(v: Visibility) -> pb::KbVisibility {
    match v {
        Visibility::Internal => pb::KbVisibility::Internal,
        Visibility::Public => pb::KbVisibility::Public,
        Visibility::ClientSpecific => pb::KbVisibility::ClientSpecific,
    }
}

fn visibility(v: &mut Validator, field: &str, value: i32) -> Visibility {
    match pb::KbVisibility::try_from(value) {
        Ok(pb::KbVisibility::Unspecified | pb::KbVisibility::Internal) => Visibility::Internal,
        Ok(pb::KbVisibility::Public) => Visibility::Public,
        Ok(pb::KbVisibility::ClientSpecific) => Visibility::ClientSpecific,
        Err(_) => {
            v.push(field, "unknown visibility");
            Visibility::Internal
        }
    }
}

fn ids(v: &mut Validator, field: &str, values: &[String]) -> Vec<Uuid> {
    let mut out = Vec::with_capacity(values.len());
    for (i, s) in values.iter().enumerate() {
        match Uuid::parse_str(s.trim()) {
            Ok(id) => out.push(id),
            Err(_) => v.push(format!("{field}[{i}]"), "must be a UUID"),
        }
    }
    out
}

fn strings(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// A category as its proto message.
pub fn category(c: &Category) -> pb::KbCategory {
    let f = &c.fields;
    pb::KbCategory {
        id: c.id.to_string(),
        name: f.name.clone(),
        description: f.description.clone(),
        parent_id: opt_id(f.parent_id),
        slug: c.slug.clone(),
        visibility: visibility_pb(f.visibility) as i32,
        company_ids: strings(&f.company_ids),
        sort_order: f.sort_order,
        create_time: Some(timestamp(c.created_at)),
    }
}

/// The fields of a proto category.
///
/// # Errors
/// INVALID_ARGUMENT naming malformed ids or an unknown visibility.
pub fn category_fields(c: pb::KbCategory) -> Result<CategoryFields, DomainError> {
    let mut v = Validator::new();
    let parent_id = v.optional_uuid("category.parent_id", &c.parent_id);
    let f = CategoryFields {
        name: c.name,
        description: c.description,
        parent_id,
        visibility: visibility(&mut v, "category.visibility", c.visibility),
        company_ids: ids(&mut v, "category.company_ids", &c.company_ids),
        sort_order: c.sort_order,
    };
    v.finish()?;
    Ok(f)
}

/// An article (content only when the view has it) as its proto message.
pub fn article(a: &Article, html: &str, related: &[Article]) -> pb::KbArticle {
    let f = &a.fields;
    let status = match a.status {
        ArticleStatus::Draft => pb::KbArticleStatus::Draft,
        ArticleStatus::Published => pb::KbArticleStatus::Published,
        ArticleStatus::Archived => pb::KbArticleStatus::Archived,
    };
    pb::KbArticle {
        id: a.id.to_string(),
        title: f.title.clone(),
        slug: a.slug.clone(),
        content: f.content.clone(),
        content_html: html.to_owned(),
        summary: f.summary.clone(),
        category_id: opt_id(f.category_id),
        visibility: visibility_pb(f.visibility) as i32,
        company_ids: strings(&f.company_ids),
        status: status as i32,
        author_id: a.author_id.to_string(),
        tags: f.tags.clone(),
        view_count: a.view_count,
        helpful_count: a.helpful_count,
        not_helpful_count: a.not_helpful_count,
        related_article_ids: strings(&f.related_article_ids),
        related_ticket_ids: strings(&f.related_ticket_ids),
        version: a.version,
        publish_time: a.published_at.map(timestamp),
        create_time: Some(timestamp(a.created_at)),
        update_time: Some(timestamp(a.updated_at)),
        related_articles: related
            .iter()
            .map(|r| pb::KbArticle {
                id: r.id.to_string(),
                title: r.fields.title.clone(),
                summary: r.fields.summary.clone(),
                slug: r.slug.clone(),
                ..Default::default()
            })
            .collect(),
    }
}

/// A full article view as its proto message.
pub fn view(v: &ArticleView) -> pb::KbArticle {
    article(&v.article, &v.html, &v.related)
}

/// The fields of a proto article.
///
/// # Errors
/// INVALID_ARGUMENT naming malformed ids or an unknown visibility.
pub fn article_fields(a: pb::KbArticle) -> Result<ArticleFields, DomainError> {
    let mut v = Validator::new();
    let category_id = v.optional_uuid("article.category_id", &a.category_id);
    let f = ArticleFields {
        title: a.title,
        content: a.content,
        summary: a.summary,
        category_id,
        visibility: visibility(&mut v, "article.visibility", a.visibility),
        company_ids: ids(&mut v, "article.company_ids", &a.company_ids),
        tags: a.tags,
        related_article_ids: ids(&mut v, "article.related_article_ids", &a.related_article_ids),
        related_ticket_ids: ids(&mut v, "article.related_ticket_ids", &a.related_ticket_ids),
    };
    v.finish()?;
    Ok(f)
}

/// A version as its proto message.
pub fn version(v: &ArticleVersion) -> pb::KbArticleVersion {
    pb::KbArticleVersion {
        version: v.version,
        title: v.title.clone(),
        summary: v.summary.clone(),
        content: v.content.clone(),
        edited_by: v.edited_by.to_string(),
        create_time: Some(timestamp(v.created_at)),
    }
}

/// A search hit as its proto message.
pub fn hit(h: &Hit) -> pb::KbSearchResult {
    pb::KbSearchResult { article: Some(article(&h.article, "", &[])), rank: h.rank, snippet: h.snippet.clone() }
}

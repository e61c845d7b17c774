//! Knowledge-base use cases (PRD §3.12). Staff read and write everything of their tenant;
//! portal users read published articles visible to their company (others answer NOT_FOUND),
//! rate them, and never write, see versions or see linked tickets.

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, mask};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Tickets;
use crate::domain::kb::{
    Article, ArticleFields, ArticleVersion, Category, CategoryFields, Reader, draft_from_ticket, render_markdown,
};
use crate::domain::ticket::{NoteVisibility, format_number};
use crate::repo::kb::{self as repo, ArticleScope, Hit};

/// Article fields an update may name.
pub const ARTICLE_FIELDS: &[&str] = &[
    "title",
    "content",
    "summary",
    "category_id",
    "visibility",
    "company_ids",
    "tags",
    "related_article_ids",
    "related_ticket_ids",
];

/// An article as read: its sanitised HTML and the related articles the reader may see.
#[derive(Debug, Clone)]
pub struct ArticleView {
    pub article: Article,
    pub html: String,
    pub related: Vec<Article>,
}

fn reader(p: &Principal) -> Reader {
    match p.portal_company() {
        Some(company) => Reader::Portal { company },
        None => Reader::Staff,
    }
}

fn staff_only(p: &Principal) -> Result<()> {
    if p.portal_company().is_some() {
        return Err(DomainError::PermissionDenied("kb.write".into()).into());
    }
    Ok(())
}

impl Tickets {
    async fn kb_tx(&self, p: &Principal) -> Result<TenantTx> {
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Checks the references of article fields exist in the tenant (fields under `article.`).
    async fn check_article_refs(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        f: &ArticleFields,
        me: Option<Uuid>,
    ) -> Result<()> {
        let mut v = Validator::new();
        if let Some(c) = f.category_id
            && repo::get_category(tx, tenant, c).await.is_err()
        {
            v.push("article.category_id", "no such category");
        }
        let found = repo::existing_articles(tx, tenant, &f.related_article_ids).await?;
        if f.related_article_ids.iter().any(|id| !found.contains(id) || Some(*id) == me) {
            v.push("article.related_article_ids", "name other articles of this knowledge base");
        }
        let found = repo::existing_tickets(tx, tenant, &f.related_ticket_ids).await?;
        if f.related_ticket_ids.iter().any(|id| !found.contains(id)) {
            v.push("article.related_ticket_ids", "no such ticket");
        }
        Ok(v.finish()?)
    }

    /// Categories the caller may see.
    pub async fn list_kb_categories(&self, p: &Principal) -> Result<Vec<Category>> {
        let mut tx = self.kb_tx(p).await?;
        repo::list_categories(&mut tx, p.tenant_id, reader(p)).await
    }

    /// Creates a category.
    ///
    /// # Errors
    /// INVALID_ARGUMENT for bad fields or an unknown parent.
    pub async fn create_kb_category(&self, p: &Principal, f: CategoryFields) -> Result<Category> {
        staff_only(p)?;
        let f = f.normalize()?;
        let mut tx = self.kb_tx(p).await?;
        if let Some(parent) = f.parent_id
            && repo::get_category(&mut tx, p.tenant_id, parent).await.is_err()
        {
            return Err(DomainError::invalid("category.parent_id", "no such category").into());
        }
        let c = repo::insert_category(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Replaces a category's fields.
    ///
    /// # Errors
    /// NOT_FOUND; INVALID_ARGUMENT on `category.parent_id` for an unknown parent, the category
    /// itself or one of its descendants.
    pub async fn update_kb_category(&self, p: &Principal, id: Uuid, f: CategoryFields) -> Result<Category> {
        staff_only(p)?;
        let f = f.normalize()?;
        let mut tx = self.kb_tx(p).await?;
        repo::get_category(&mut tx, p.tenant_id, id).await?;
        if let Some(parent) = f.parent_id {
            if repo::get_category(&mut tx, p.tenant_id, parent).await.is_err() {
                return Err(DomainError::invalid("category.parent_id", "no such category").into());
            }
            if repo::is_descendant(&mut tx, p.tenant_id, id, parent).await? {
                return Err(DomainError::invalid(
                    "category.parent_id",
                    "a category cannot be placed under itself or one of its subcategories",
                )
                .into());
            }
        }
        let c = repo::update_category(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Deletes an empty category.
    pub async fn delete_kb_category(&self, p: &Principal, id: Uuid) -> Result<()> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        repo::delete_category(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of articles the caller may read (without content).
    pub async fn list_kb_articles(
        &self,
        p: &Principal,
        params: &ListParams,
        mut scope: ArticleScope,
    ) -> Result<(Vec<Article>, String)> {
        let plan = repo::LIST.plan(params)?;
        scope.tag = scope.tag.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty());
        if p.portal_company().is_some() {
            // linked tickets are staff knowledge
            scope.ticket = None;
        }
        let mut tx = self.kb_tx(p).await?;
        let (mut list, token) = repo::list_articles(&mut tx, p.tenant_id, reader(p), &plan, &scope).await?;
        if p.portal_company().is_some() {
            for a in &mut list {
                a.fields.related_ticket_ids.clear();
            }
        }
        Ok((list, token))
    }

    async fn view(&self, tx: &mut TenantTx, p: &Principal, id: Uuid) -> Result<ArticleView> {
        let mut article = repo::get_article(tx, p.tenant_id, id, reader(p), false).await?;
        let related = repo::articles_by_ids(tx, p.tenant_id, reader(p), &article.fields.related_article_ids).await?;
        if p.portal_company().is_some() {
            article.fields.related_ticket_ids.clear();
            article.fields.related_article_ids = related.iter().map(|a| a.id).collect();
        }
        Ok(ArticleView { html: render_markdown(&article.fields.content), article, related })
    }

    /// Creates a draft article by the caller (version 1).
    pub async fn create_kb_article(&self, p: &Principal, f: ArticleFields) -> Result<ArticleView> {
        staff_only(p)?;
        let f = f.normalize()?;
        let mut tx = self.kb_tx(p).await?;
        self.check_article_refs(&mut tx, p.tenant_id, &f, None).await?;
        let id = repo::insert_article(&mut tx, p.tenant_id, p.user_id, &f).await?;
        let v = self.view(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The article `id` if the caller may read it, counting a view.
    pub async fn get_kb_article(&self, p: &Principal, id: Uuid) -> Result<ArticleView> {
        let mut tx = self.kb_tx(p).await?;
        let mut v = self.view(&mut tx, p, id).await?;
        repo::count_view(&mut tx, p.tenant_id, id).await?;
        v.article.view_count += 1;
        tx.commit().await?;
        Ok(v)
    }

    /// Applies the masked fields; a change of title, summary or content records a new version.
    pub async fn update_kb_article(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ArticleFields,
        update_mask: &[String],
    ) -> Result<ArticleView> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        let mut a = repo::get_article(&mut tx, p.tenant_id, id, Reader::Staff, true).await?;
        let old_title = a.fields.title.clone();
        let changed = mask::apply(&mut a.fields, update_mask, ARTICLE_FIELDS, |f, name| {
            match name {
                "title" => f.title = patch.title.clone(),
                "content" => f.content = patch.content.clone(),
                "summary" => f.summary = patch.summary.clone(),
                "category_id" => f.category_id = patch.category_id,
                "visibility" => f.visibility = patch.visibility,
                "company_ids" => f.company_ids = patch.company_ids.clone(),
                "tags" => f.tags = patch.tags.clone(),
                "related_article_ids" => f.related_article_ids = patch.related_article_ids.clone(),
                _ => f.related_ticket_ids = patch.related_ticket_ids.clone(),
            }
            Ok(())
        })?;
        a.fields = a.fields.normalize()?;
        self.check_article_refs(&mut tx, p.tenant_id, &a.fields, Some(id)).await?;
        let new_version = changed.iter().any(|c| matches!(c.as_str(), "title" | "summary" | "content"));
        repo::update_article(&mut tx, p.tenant_id, &a, &old_title, new_version, p.user_id).await?;
        let v = self.view(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Deletes an article.
    pub async fn delete_kb_article(&self, p: &Principal, id: Uuid) -> Result<()> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        repo::get_article(&mut tx, p.tenant_id, id, Reader::Staff, true).await?;
        repo::delete_article(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes (`true`) or archives (`false`) an article.
    ///
    /// # Errors
    /// FAILED_PRECONDITION when it already is.
    pub async fn set_kb_article_published(&self, p: &Principal, id: Uuid, publish: bool) -> Result<ArticleView> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        let a = repo::get_article(&mut tx, p.tenant_id, id, Reader::Staff, true).await?;
        let next = if publish { a.publish()? } else { a.archive()? };
        repo::set_status(&mut tx, p.tenant_id, id, next).await?;
        let v = self.view(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The article's versions, newest first (staff only).
    pub async fn kb_article_versions(&self, p: &Principal, id: Uuid) -> Result<Vec<ArticleVersion>> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        repo::get_article(&mut tx, p.tenant_id, id, Reader::Staff, false).await?;
        repo::versions(&mut tx, p.tenant_id, id).await
    }

    /// Records the caller's rating of an article they may read.
    pub async fn rate_kb_article(&self, p: &Principal, id: Uuid, helpful: bool) -> Result<ArticleView> {
        let mut tx = self.kb_tx(p).await?;
        repo::get_article(&mut tx, p.tenant_id, id, reader(p), false).await?;
        repo::rate(&mut tx, p.tenant_id, id, p.user_id, helpful).await?;
        let v = self.view(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// A draft, internal article from the ticket `ticket` (its public notes as the resolution).
    pub async fn create_kb_article_from_ticket(&self, p: &Principal, ticket: Uuid) -> Result<ArticleView> {
        staff_only(p)?;
        let mut tx = self.kb_tx(p).await?;
        let t = crate::repo::tickets::get(&mut tx, p.tenant_id, ticket, false).await?;
        let notes = crate::repo::notes::all_bodies(&mut tx, p.tenant_id, ticket, NoteVisibility::Public).await?;
        let f = draft_from_ticket(ticket, &format_number(t.number), &t.fields.title, &t.fields.description, &notes)
            .normalize()?;
        let id = repo::insert_article(&mut tx, p.tenant_id, p.user_id, &f).await?;
        let v = self.view(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Full-text search over what the caller may read (`limit` 1–50).
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `query` when empty or longer than 200 characters.
    pub async fn search_kb(&self, p: &Principal, query: &str, limit: i64) -> Result<Vec<Hit>> {
        let query = query.trim();
        let mut v = Validator::new();
        v.required("query", query).max_chars("query", query, 200);
        v.finish()?;
        let mut tx = self.kb_tx(p).await?;
        let mut hits = repo::search(&mut tx, p.tenant_id, reader(p), query, limit.clamp(1, 50)).await?;
        if p.portal_company().is_some() {
            for h in &mut hits {
                h.article.fields.related_ticket_ids.clear();
            }
        }
        Ok(hits)
    }
}

//! gRPC adapter for `psa.tickets.v1.KnowledgeBaseService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::tickets::{self as pb, knowledge_base_service_server::KnowledgeBaseService};
use tonic::{Request, Response};

use super::{Reply, err, required};
use crate::app::Tickets;
use crate::proto::kb as conv;
use crate::repo::kb::ArticleScope;

/// The knowledge-base service implementation.
pub struct KbGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl KnowledgeBaseService for KbGrpc {
    async fn list_kb_categories(
        &self,
        req: Request<pb::ListKbCategoriesRequest>,
    ) -> Reply<pb::ListKbCategoriesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_kb_categories(&p).await?;
        Ok(Response::new(pb::ListKbCategoriesResponse { categories: list.iter().map(conv::category).collect() }))
    }

    async fn create_kb_category(&self, req: Request<pb::CreateKbCategoryRequest>) -> Reply<pb::KbCategory> {
        let p = principal(&req)?;
        let f = conv::category_fields(required(req.into_inner().category, "category")?).map_err(err)?;
        Ok(Response::new(conv::category(&self.app.create_kb_category(&p, f).await?)))
    }

    async fn update_kb_category(&self, req: Request<pb::UpdateKbCategoryRequest>) -> Reply<pb::KbCategory> {
        let p = principal(&req)?;
        let c = required(req.into_inner().category, "category")?;
        let id = parse_id("category.id", &c.id).map_err(err)?;
        let f = conv::category_fields(c).map_err(err)?;
        Ok(Response::new(conv::category(&self.app.update_kb_category(&p, id, f).await?)))
    }

    async fn delete_kb_category(&self, req: Request<pb::DeleteKbCategoryRequest>) -> Reply<()> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.delete_kb_category(&p, id).await?;
        Ok(Response::new(()))
    }

    async fn list_kb_articles(&self, req: Request<pb::ListKbArticlesRequest>) -> Reply<pb::ListKbArticlesResponse> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = psa_core::validate::Validator::new();
        let ticket = v.optional_uuid("ticket_id", &r.ticket_id);
        v.finish().map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let scope = ArticleScope { tag: Some(r.tag), ticket };
        let (list, next_page_token) = self.app.list_kb_articles(&p, &params, scope).await?;
        Ok(Response::new(pb::ListKbArticlesResponse {
            articles: list.iter().map(|a| conv::article(a, "", &[])).collect(),
            next_page_token,
        }))
    }

    async fn create_kb_article(&self, req: Request<pb::CreateKbArticleRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let f = conv::article_fields(required(req.into_inner().article, "article")?).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.create_kb_article(&p, f).await?)))
    }

    async fn get_kb_article(&self, req: Request<pb::GetKbArticleRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.get_kb_article(&p, id).await?)))
    }

    async fn update_kb_article(&self, req: Request<pb::UpdateKbArticleRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let a = required(r.article, "article")?;
        let id = parse_id("article.id", &a.id).map_err(err)?;
        let mask: Vec<String> = match r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths,
            // AIP-134: without a mask, every field with a non-default value.
            _ => [
                ("title", !a.title.is_empty()),
                ("content", !a.content.is_empty()),
                ("summary", !a.summary.is_empty()),
                ("category_id", !a.category_id.is_empty()),
                ("visibility", a.visibility != 0),
                ("company_ids", !a.company_ids.is_empty()),
                ("tags", !a.tags.is_empty()),
                ("related_article_ids", !a.related_article_ids.is_empty()),
                ("related_ticket_ids", !a.related_ticket_ids.is_empty()),
            ]
            .iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        };
        let f = conv::article_fields(a).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.update_kb_article(&p, id, f, &mask).await?)))
    }

    async fn delete_kb_article(&self, req: Request<pb::DeleteKbArticleRequest>) -> Reply<()> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.delete_kb_article(&p, id).await?;
        Ok(Response::new(()))
    }

    async fn publish_kb_article(&self, req: Request<pb::KbArticleActionRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.set_kb_article_published(&p, id, true).await?)))
    }

    async fn archive_kb_article(&self, req: Request<pb::KbArticleActionRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.set_kb_article_published(&p, id, false).await?)))
    }

    async fn list_kb_article_versions(
        &self,
        req: Request<pb::ListKbArticleVersionsRequest>,
    ) -> Reply<pb::ListKbArticleVersionsResponse> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let versions = self.app.kb_article_versions(&p, id).await?;
        Ok(Response::new(pb::ListKbArticleVersionsResponse { versions: versions.iter().map(conv::version).collect() }))
    }

    async fn mark_kb_article_helpful(&self, req: Request<pb::KbArticleActionRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.rate_kb_article(&p, id, true).await?)))
    }

    async fn mark_kb_article_not_helpful(&self, req: Request<pb::KbArticleActionRequest>) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.rate_kb_article(&p, id, false).await?)))
    }

    async fn create_kb_article_from_ticket(
        &self,
        req: Request<pb::CreateKbArticleFromTicketRequest>,
    ) -> Reply<pb::KbArticle> {
        let p = principal(&req)?;
        let ticket = parse_id("ticket_id", &req.get_ref().ticket_id).map_err(err)?;
        Ok(Response::new(conv::view(&self.app.create_kb_article_from_ticket(&p, ticket).await?)))
    }

    async fn search_kb_articles(
        &self,
        req: Request<pb::SearchKbArticlesRequest>,
    ) -> Reply<pb::SearchKbArticlesResponse> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let limit = if r.page_size <= 0 { 20 } else { i64::from(r.page_size) };
        let hits = self.app.search_kb(&p, &r.query, limit).await?;
        Ok(Response::new(pb::SearchKbArticlesResponse { results: hits.iter().map(conv::hit).collect() }))
    }
}

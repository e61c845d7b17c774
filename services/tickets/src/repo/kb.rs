//! Knowledge-base tables: `kb_categories`, `kb_articles` (with a weighted `search`
//! tsvector kept in step on every write), `kb_article_versions`, `kb_ratings`.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::kb::{
    Article, ArticleFields, ArticleStatus, ArticleVersion, Category, CategoryFields, Reader, Visibility, slugify,
};

// ---- categories ----

#[derive(sqlx::FromRow)]
struct CategoryRow {
    id: Uuid,
    name: String,
    description: String,
    parent_id: Option<Uuid>,
    slug: String,
    visibility: String,
    company_ids: Vec<Uuid>,
    sort_order: i32,
    created_at: DateTime<Utc>,
}

impl From<CategoryRow> for Category {
    fn from(r: CategoryRow) -> Self {
        Category {
            id: r.id,
            slug: r.slug,
            fields: CategoryFields {
                name: r.name,
                description: r.description,
                parent_id: r.parent_id,
                visibility: Visibility::parse(&r.visibility).unwrap_or_default(),
                company_ids: r.company_ids,
                sort_order: r.sort_order,
            },
            created_at: r.created_at,
        }
    }
}

const CATEGORY_COLUMNS: &str =
    "id, name, description, parent_id, slug, visibility, company_ids, sort_order, created_at";

/// A slug for `text` not yet used in `table` for the tenant (`-2`, `-3`, … appended).
async fn free_slug(tx: &mut TenantTx, tenant: Uuid, table: &str, text: &str, except: Option<Uuid>) -> Result<String> {
    let base = slugify(text);
    let taken: Vec<String> = sqlx::query_scalar(&format!(
        "select slug from {table} where tenant_id = $1 and (slug = $2 or slug like $2 || '-%') and id is distinct from $3"
    ))
    .bind(tenant)
    .bind(&base)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?;
    if !taken.contains(&base) {
        return Ok(base);
    }
    Ok((2..).map(|n| format!("{base}-{n}")).find(|s| !taken.contains(s)).unwrap_or(base))
}

/// The tenant's categories by sort order then name; a portal reader gets the public ones and
/// those client-specific to their company.
pub async fn list_categories(tx: &mut TenantTx, tenant: Uuid, reader: Reader) -> Result<Vec<Category>> {
    let mut qb = QueryBuilder::new(format!("select {CATEGORY_COLUMNS} from kb_categories where tenant_id = "));
    qb.push_bind(tenant);
    if let Reader::Portal { company } = reader {
        qb.push(" and (visibility = 'public' or (visibility = 'client_specific' and ")
            .push_bind(company)
            .push(" = any(company_ids)))");
    }
    qb.push(" order by sort_order, lower(name), id");
    let rows: Vec<CategoryRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(Category::from).collect())
}

/// The category `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_category(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Category> {
    let row: Option<CategoryRow> =
        sqlx::query_as(&format!("select {CATEGORY_COLUMNS} from kb_categories where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(Category::from).ok_or_else(|| DomainError::NotFound { entity: "knowledge-base category" }.into())
}

/// Whether `candidate` is `id` or one of its descendants.
pub async fn is_descendant(tx: &mut TenantTx, tenant: Uuid, id: Uuid, candidate: Uuid) -> Result<bool> {
    let tree = psa_kit::db::Tree { table: "kb_categories", parent_column: "parent_id" };
    Ok(psa_kit::db::is_in_subtree(tx, tree, tenant, id, candidate).await?)
}

/// Inserts a category with a free slug.
pub async fn insert_category(tx: &mut TenantTx, tenant: Uuid, f: &CategoryFields) -> Result<Category> {
    let slug = free_slug(tx, tenant, "kb_categories", &f.name, None).await?;
    let row: CategoryRow = sqlx::query_as(&format!(
        "insert into kb_categories (id, tenant_id, name, description, parent_id, slug, visibility, company_ids, sort_order) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {CATEGORY_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.parent_id)
    .bind(slug)
    .bind(f.visibility.as_str())
    .bind(&f.company_ids)
    .bind(f.sort_order)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Replaces a category's fields (a new slug when the name changes).
pub async fn update_category(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &CategoryFields) -> Result<Category> {
    let old = get_category(tx, tenant, id).await?;
    let slug = if old.fields.name == f.name {
        old.slug
    } else {
        free_slug(tx, tenant, "kb_categories", &f.name, Some(id)).await?
    };
    let row: CategoryRow = sqlx::query_as(&format!(
        "update kb_categories set name = $3, description = $4, parent_id = $5, slug = $6, visibility = $7, \
         company_ids = $8, sort_order = $9, updated_at = now() where tenant_id = $1 and id = $2 returning {CATEGORY_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.parent_id)
    .bind(slug)
    .bind(f.visibility.as_str())
    .bind(&f.company_ids)
    .bind(f.sort_order)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Deletes an empty category.
///
/// # Errors
/// NOT_FOUND; FAILED_PRECONDITION while it has subcategories or articles.
pub async fn delete_category(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    get_category(tx, tenant, id).await?;
    let used: bool = sqlx::query_scalar(
        "select exists(select 1 from kb_categories where tenant_id = $1 and parent_id = $2) \
         or exists(select 1 from kb_articles where tenant_id = $1 and category_id = $2)",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    if used {
        return Err(DomainError::FailedPrecondition(
            "the category has subcategories or articles; move them first".into(),
        )
        .into());
    }
    sqlx::query("delete from kb_categories where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---- articles ----

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: Uuid,
    title: String,
    slug: String,
    content: String,
    summary: String,
    category_id: Option<Uuid>,
    visibility: String,
    company_ids: Vec<Uuid>,
    status: String,
    author_id: Uuid,
    tags: Vec<String>,
    view_count: i32,
    related_article_ids: Vec<Uuid>,
    related_ticket_ids: Vec<Uuid>,
    version: i32,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    helpful_count: i64,
    not_helpful_count: i64,
}

impl From<ArticleRow> for Article {
    fn from(r: ArticleRow) -> Self {
        Article {
            id: r.id,
            slug: r.slug,
            fields: ArticleFields {
                title: r.title,
                content: r.content,
                summary: r.summary,
                category_id: r.category_id,
                visibility: Visibility::parse(&r.visibility).unwrap_or_default(),
                company_ids: r.company_ids,
                tags: r.tags,
                related_article_ids: r.related_article_ids,
                related_ticket_ids: r.related_ticket_ids,
            },
            status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
            author_id: r.author_id,
            view_count: r.view_count,
            helpful_count: i32::try_from(r.helpful_count).unwrap_or(i32::MAX),
            not_helpful_count: i32::try_from(r.not_helpful_count).unwrap_or(i32::MAX),
            version: r.version,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Article columns (`a.`) with rating counts; `content` is replaced by `''` in lists.
fn article_columns(with_content: bool) -> String {
    format!(
        "a.id, a.title, a.slug, {}, a.summary, a.category_id, a.visibility, a.company_ids, a.status, a.author_id, \
         a.tags, a.view_count, a.related_article_ids, a.related_ticket_ids, a.version, a.published_at, a.created_at, \
         a.updated_at, \
         (select count(*) from kb_ratings r where r.tenant_id = a.tenant_id and r.article_id = a.id and r.helpful) as helpful_count, \
         (select count(*) from kb_ratings r where r.tenant_id = a.tenant_id and r.article_id = a.id and not r.helpful) as not_helpful_count",
        if with_content { "a.content" } else { "''::text as content" }
    )
}

/// The weighted search document: title (A), tags and summary (B), content (C).
const SEARCH_DOC: &str = "setweight(to_tsvector('english', a.title), 'A') || \
    setweight(to_tsvector('english', array_to_string(a.tags, ' ') || ' ' || a.summary), 'B') || \
    setweight(to_tsvector('english', a.content), 'C')";

/// Restricts a query on `a` to what `reader` may read.
fn push_reader(qb: &mut QueryBuilder<'_, sqlx::Postgres>, reader: Reader) {
    if let Reader::Portal { company } = reader {
        qb.push(" and a.status = 'published' and (a.visibility = 'public' or (a.visibility = 'client_specific' and ")
            .push_bind(company)
            .push(" = any(a.company_ids)))");
    }
}

/// The article `id`, if `reader` may read it; with `lock`, locked for update.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's or the reader may not see it.
pub async fn get_article(tx: &mut TenantTx, tenant: Uuid, id: Uuid, reader: Reader, lock: bool) -> Result<Article> {
    let mut qb = QueryBuilder::new(format!("select {} from kb_articles a where a.tenant_id = ", article_columns(true)));
    qb.push_bind(tenant).push(" and a.id = ").push_bind(id);
    push_reader(&mut qb, reader);
    if lock {
        qb.push(" for update of a");
    }
    let row: Option<ArticleRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(Article::from).ok_or_else(|| DomainError::NotFound { entity: "knowledge-base article" }.into())
}

/// Which of `ids` are articles of the tenant.
pub async fn existing_articles(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("select id from kb_articles where tenant_id = $1 and id = any($2)")
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?)
}

/// Which of `ids` are tickets of the tenant.
pub async fn existing_tickets(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("select id from tickets where tenant_id = $1 and id = any($2)")
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?)
}

/// Inserts a draft article by `author` with version 1.
pub async fn insert_article(tx: &mut TenantTx, tenant: Uuid, author: Uuid, f: &ArticleFields) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let slug = free_slug(tx, tenant, "kb_articles", &f.title, None).await?;
    sqlx::query(
        "insert into kb_articles (id, tenant_id, title, slug, content, summary, category_id, visibility, company_ids, \
         author_id, tags, related_article_ids, related_ticket_ids) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(tenant)
    .bind(&f.title)
    .bind(slug)
    .bind(&f.content)
    .bind(&f.summary)
    .bind(f.category_id)
    .bind(f.visibility.as_str())
    .bind(&f.company_ids)
    .bind(author)
    .bind(&f.tags)
    .bind(&f.related_article_ids)
    .bind(&f.related_ticket_ids)
    .execute(&mut **tx)
    .await?;
    reindex(tx, tenant, id).await?;
    insert_version(tx, tenant, id, 1, f, author).await?;
    Ok(id)
}

async fn reindex(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query(&format!("update kb_articles a set search = {SEARCH_DOC} where a.tenant_id = $1 and a.id = $2"))
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_version(
    tx: &mut TenantTx,
    tenant: Uuid,
    article: Uuid,
    version: i32,
    f: &ArticleFields,
    editor: Uuid,
) -> Result<()> {
    sqlx::query(
        "insert into kb_article_versions (id, tenant_id, article_id, version, title, summary, content, edited_by) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(article)
    .bind(version)
    .bind(&f.title)
    .bind(&f.summary)
    .bind(&f.content)
    .bind(editor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes `a`'s fields; when `new_version`, bumps its version and records the text as that
/// version by `editor`. A changed title gets a new slug.
pub async fn update_article(
    tx: &mut TenantTx,
    tenant: Uuid,
    a: &Article,
    old_title: &str,
    new_version: bool,
    editor: Uuid,
) -> Result<()> {
    let f = &a.fields;
    let slug = if old_title == f.title {
        a.slug.clone()
    } else {
        free_slug(tx, tenant, "kb_articles", &f.title, Some(a.id)).await?
    };
    let version = if new_version { a.version + 1 } else { a.version };
    sqlx::query(
        "update kb_articles set title = $3, slug = $4, content = $5, summary = $6, category_id = $7, visibility = $8, \
         company_ids = $9, tags = $10, related_article_ids = $11, related_ticket_ids = $12, version = $13, \
         updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(a.id)
    .bind(&f.title)
    .bind(slug)
    .bind(&f.content)
    .bind(&f.summary)
    .bind(f.category_id)
    .bind(f.visibility.as_str())
    .bind(&f.company_ids)
    .bind(&f.tags)
    .bind(&f.related_article_ids)
    .bind(&f.related_ticket_ids)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    reindex(tx, tenant, a.id).await?;
    if new_version {
        insert_version(tx, tenant, a.id, version, f, editor).await?;
    }
    Ok(())
}

/// Sets the status (and the first publication time when publishing).
pub async fn set_status(tx: &mut TenantTx, tenant: Uuid, id: Uuid, status: ArticleStatus) -> Result<()> {
    sqlx::query(
        "update kb_articles set status = $3, updated_at = now(), \
         published_at = case when $3 = 'published' then coalesce(published_at, now()) else published_at end \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts one view.
pub async fn count_view(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("update kb_articles set view_count = view_count + 1 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records (or replaces) `user`'s rating of the article.
pub async fn rate(tx: &mut TenantTx, tenant: Uuid, id: Uuid, user: Uuid, helpful: bool) -> Result<()> {
    sqlx::query(
        "insert into kb_ratings (tenant_id, article_id, user_id, helpful) values ($1, $2, $3, $4) \
         on conflict (tenant_id, article_id, user_id) do update set helpful = excluded.helpful, rated_at = now()",
    )
    .bind(tenant)
    .bind(id)
    .bind(user)
    .bind(helpful)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes an article with its versions and ratings, and drops it from other articles'
/// related lists.
pub async fn delete_article(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    for sql in [
        "delete from kb_ratings where tenant_id = $1 and article_id = $2",
        "delete from kb_article_versions where tenant_id = $1 and article_id = $2",
        "delete from kb_articles where tenant_id = $1 and id = $2",
        "update kb_articles set related_article_ids = array_remove(related_article_ids, $2) \
         where tenant_id = $1 and $2 = any(related_article_ids)",
    ] {
        sqlx::query(sql).bind(tenant).bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// The article's versions, newest first.
pub async fn versions(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Vec<ArticleVersion>> {
    let rows: Vec<(i32, String, String, String, Uuid, DateTime<Utc>)> = sqlx::query_as(
        "select version, title, summary, content, edited_by, created_at from kb_article_versions \
         where tenant_id = $1 and article_id = $2 order by version desc",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, title, summary, content, edited_by, created_at)| ArticleVersion {
            version,
            title,
            summary,
            content,
            edited_by,
            created_at,
        })
        .collect())
}

/// What `ListKbArticles` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField {
            name: "status",
            column: "a.status",
            kind: FieldKind::Enum { prefix: "KB_ARTICLE_STATUS_", values: ArticleStatus::NAMES },
        },
        FilterField {
            name: "visibility",
            column: "a.visibility",
            kind: FieldKind::Enum { prefix: "KB_VISIBILITY_", values: Visibility::NAMES },
        },
        FilterField { name: "category_id", column: "a.category_id", kind: FieldKind::Uuid },
        FilterField { name: "author_id", column: "a.author_id", kind: FieldKind::Uuid },
    ],
    orders: &[
        OrderField { name: "update_time", column: "a.updated_at", kind: SortKind::Time },
        OrderField { name: "create_time", column: "a.created_at", kind: SortKind::Time },
    ],
    default_order: "update_time desc",
    id_column: "a.id",
};

/// Extra restrictions of a list beyond the AIP-160 filter.
#[derive(Debug, Clone, Default)]
pub struct ArticleScope {
    /// Articles carrying this (normalised) tag.
    pub tag: Option<String>,
    /// Articles linked to this ticket.
    pub ticket: Option<Uuid>,
}

/// One page of articles (without content) `reader` may read.
pub async fn list_articles(
    tx: &mut TenantTx,
    tenant: Uuid,
    reader: Reader,
    plan: &ListPlan,
    scope: &ArticleScope,
) -> Result<(Vec<Article>, String)> {
    let mut qb =
        QueryBuilder::new(format!("select {} from kb_articles a where a.tenant_id = ", article_columns(false)));
    qb.push_bind(tenant);
    push_reader(&mut qb, reader);
    if let Some(t) = &scope.tag {
        qb.push(" and ").push_bind(t.clone()).push(" = any(a.tags)");
    }
    if let Some(t) = scope.ticket {
        qb.push(" and ").push_bind(t).push(" = any(a.related_ticket_ids)");
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<ArticleRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut list: Vec<Article> = rows.into_iter().map(Article::from).collect();
    let token = plan.finish(&mut list, |a, order| {
        (time_key(if order == "create_time" { a.created_at } else { a.updated_at }), a.id)
    });
    Ok((list, token))
}

/// The articles among `ids` that `reader` may read (without content), in `ids` order.
pub async fn articles_by_ids(tx: &mut TenantTx, tenant: Uuid, reader: Reader, ids: &[Uuid]) -> Result<Vec<Article>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb =
        QueryBuilder::new(format!("select {} from kb_articles a where a.tenant_id = ", article_columns(false)));
    qb.push_bind(tenant).push(" and a.id = any(").push_bind(ids.to_vec()).push(")");
    push_reader(&mut qb, reader);
    let rows: Vec<ArticleRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut found: Vec<Article> = rows.into_iter().map(Article::from).collect();
    found.sort_by_key(|a| ids.iter().position(|i| *i == a.id));
    Ok(found)
}

/// A search hit.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article: Article,
    pub rank: f32,
    pub snippet: String,
}

/// Full-text search over what `reader` may read, best first (`websearch_to_tsquery`,
/// `ts_rank_cd` over the weighted document, ties by newest update), at most `limit` hits.
pub async fn search(tx: &mut TenantTx, tenant: Uuid, reader: Reader, query: &str, limit: i64) -> Result<Vec<Hit>> {
    #[derive(sqlx::FromRow)]
    struct HitRow {
        #[sqlx(flatten)]
        row: ArticleRow,
        rank: f32,
        snippet: String,
    }
    let mut qb = QueryBuilder::new(format!(
        "select {}, ts_rank_cd(a.search, q) as rank, \
         ts_headline('english', a.content, q, 'StartSel=\"\", StopSel=\"\", MaxWords=30, MinWords=10, MaxFragments=1') as snippet \
         from kb_articles a, websearch_to_tsquery('english', ",
        article_columns(false)
    ));
    qb.push_bind(query.to_owned()).push(") q where a.search @@ q and a.tenant_id = ").push_bind(tenant);
    push_reader(&mut qb, reader);
    qb.push(" order by rank desc, a.updated_at desc, a.id limit ").push_bind(limit);
    let rows: Vec<HitRow> = qb.build_query_as().fetch_all(&mut **tx).await.map_err(Error::from)?;
    Ok(rows.into_iter().map(|h| Hit { article: h.row.into(), rank: h.rank, snippet: h.snippet }).collect())
}

-- Knowledge base (PRD §3.12): a category tree, Markdown articles with a weighted full-text
-- search document (title A, tags + summary B, content C; kept in step by the service on every
-- write), their versions, and one helpful/not-helpful rating per user and article.

create table kb_categories (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 100),
    description text not null default '',
    parent_id   uuid,
    slug        text not null,
    visibility  text not null default 'internal' check (visibility in ('internal', 'public', 'client_specific')),
    company_ids uuid[] not null default '{}',
    sort_order  integer not null default 0,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    unique (tenant_id, slug),
    foreign key (tenant_id, parent_id) references kb_categories (tenant_id, id)
);

create table kb_articles (
    id                  uuid primary key,
    tenant_id           uuid not null,
    title               text not null check (length(title) between 1 and 200),
    slug                text not null,
    content             text not null default '',
    summary             text not null default '',
    category_id         uuid,
    visibility          text not null default 'internal' check (visibility in ('internal', 'public', 'client_specific')),
    company_ids         uuid[] not null default '{}',
    status              text not null default 'draft' check (status in ('draft', 'published', 'archived')),
    author_id           uuid not null,
    tags                text[] not null default '{}',
    view_count          integer not null default 0,
    related_article_ids uuid[] not null default '{}',
    related_ticket_ids  uuid[] not null default '{}',
    version             integer not null default 1,
    search              tsvector not null default ''::tsvector,
    published_at        timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    unique (tenant_id, id),
    unique (tenant_id, slug),
    foreign key (tenant_id, category_id) references kb_categories (tenant_id, id)
);
create index kb_articles_search on kb_articles using gin (search);
create index kb_articles_updated on kb_articles (tenant_id, updated_at desc, id);
create index kb_articles_tags on kb_articles using gin (tags);
create index kb_articles_tickets on kb_articles using gin (related_ticket_ids);

create table kb_article_versions (
    id         uuid primary key,
    tenant_id  uuid not null,
    article_id uuid not null,
    version    integer not null,
    title      text not null,
    summary    text not null,
    content    text not null,
    edited_by  uuid not null,
    created_at timestamptz not null default now(),
    unique (tenant_id, article_id, version),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id)
);

create table kb_ratings (
    tenant_id  uuid not null,
    article_id uuid not null,
    user_id    uuid not null,
    helpful    boolean not null,
    rated_at   timestamptz not null default now(),
    primary key (tenant_id, article_id, user_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id)
);

select enable_tenant_rls('kb_categories');
select enable_tenant_rls('kb_articles');
select enable_tenant_rls('kb_article_versions');
select enable_tenant_rls('kb_ratings');

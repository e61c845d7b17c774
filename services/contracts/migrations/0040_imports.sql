-- Import jobs (issue #3 "Bulk import and export"): one row per CSV import, updated with its
-- progress from a connection of its own while the import's transaction is still open, so any
-- replica can report progress (GetImportJob, WatchImportJob / SSE) by reading it.
create table import_jobs (
    id              uuid primary key,
    tenant_id       uuid not null,
    import_type     text not null check (import_type in ('clients', 'contracts', 'services', 'service_scopes', 'safs', 'cocs')),
    mode            text not null check (mode in ('all_or_nothing', 'valid_rows')),
    state           text not null default 'running' check (state in ('running', 'succeeded', 'failed')),
    file_name       text not null default '' check (length(file_name) <= 255),
    rows_read       integer not null default 0,
    rows_valid      integer not null default 0,
    rows_bad        integer not null default 0,
    created         integer not null default 0,
    skipped         integer not null default 0,
    committed       boolean not null default false,
    ignored_columns text[] not null default '{}',
    failure         text not null default '',
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (tenant_id, id)
);
create index import_jobs_created on import_jobs (tenant_id, created_at, id);

-- Every bad row of a job: line (1-based, header = 1), column as written, reason.
create table import_job_errors (
    tenant_id uuid not null,
    job_id    uuid not null,
    seq       integer not null,
    line      integer not null,
    field     text not null,
    message   text not null,
    primary key (tenant_id, job_id, seq),
    foreign key (tenant_id, job_id) references import_jobs (tenant_id, id) on delete cascade
);

select enable_tenant_rls('import_jobs');
select enable_tenant_rls('import_job_errors');
select exempt_from_audit('import_jobs', 'progress record of an import; the imported rows are audited');
select exempt_from_audit('import_job_errors', 'report lines of an import job');

-- Files attached to a company (issue 3: "notes and attachments"). Metadata here, the bytes in
-- the object store (PSA_ATTACHMENTS_DIR) under storage_key = <tenant>/companies/<company>/<id>.
create table company_attachments (
    id           uuid primary key,
    tenant_id    uuid not null,
    company_id   uuid not null,
    file_name    text not null check (length(file_name) between 1 and 255),
    content_type text not null,
    size_bytes   bigint not null check (size_bytes >= 0),
    storage_key  text not null,
    uploaded_by  uuid not null,
    created_at   timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create index company_attachments_company on company_attachments (tenant_id, company_id, created_at, id);

select enable_tenant_rls('company_attachments');
select enable_audit('company_attachments');

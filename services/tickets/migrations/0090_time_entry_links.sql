-- Time entries name the contract the work is billed under (block hours draw on it) and,
-- optionally, a project and a task (ids of records owned by other services; not checked).
alter table time_entries add column contract_id uuid;
alter table time_entries add column project_id uuid;
alter table time_entries add column task_id uuid;
create index time_entries_contract on time_entries (tenant_id, contract_id) where contract_id is not null;

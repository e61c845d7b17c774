-- Import jobs left RUNNING by a process that died (issue 3 imports hardening): the sweeper
-- marks them FAILED once they made no progress for a while. It has to find them across
-- tenants, so the running jobs are listed here, infrastructure without RLS like
-- expiry_tenants, kept by triggers so no write path can forget it. The sweep itself is a
-- conditional UPDATE of import_jobs in the job's tenant (state = 'running' AND updated_at
-- older than the limit), so several replicas sweeping at once fail a job once.
create table running_import_jobs (
    job_id    uuid primary key,
    tenant_id uuid not null
);

create function note_running_import_job() returns trigger language plpgsql
    set search_path from current as $$
begin
    if new.state = 'running' then
        insert into running_import_jobs (job_id, tenant_id) values (new.id, new.tenant_id) on conflict do nothing;
    else
        delete from running_import_jobs where job_id = new.id;
    end if;
    return new;
end $$;

create trigger import_jobs_running after insert on import_jobs
    for each row execute function note_running_import_job();
create trigger import_jobs_running_state after update of state on import_jobs
    for each row when (old.state is distinct from new.state) execute function note_running_import_job();

-- (Jobs left RUNNING before this migration are not listed: RLS hides every tenant's rows
-- from the migration. They can be failed by hand.)

select exempt_from_audit('running_import_jobs', 'index of running import jobs for the sweeper; jobs are not audited');

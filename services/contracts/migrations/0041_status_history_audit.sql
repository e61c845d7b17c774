-- Company status history is itself an append-only history: each entry mirrors the audited
-- change of `companies.status` (or, for a new company, its audited creation). Auditing it too
-- wrote every status twice, and a third of a clients import's audit records.
drop trigger if exists audit_capture on company_status_changes;
drop trigger if exists audit_capture_insert on company_status_changes;
select exempt_from_audit('company_status_changes', 'status history; each entry mirrors an audited companies change');

-- Audit capture (issue 5): every create, update and delete of contracts' tenant tables is
-- recorded by psa-kit's trigger and published as `psa.contracts.audit.recorded`.
select enable_audit('companies');
select enable_audit('contacts');
select enable_audit('services');
select enable_audit('scope_templates', id_column => 'service_id');
select enable_audit('contracts');
select enable_audit('service_scopes');
select enable_audit('safs');
select enable_audit('cocs');
select exempt_from_audit('contract_counters', 'number generator; the numbered contracts are audited');
select exempt_from_audit('saf_counters', 'number generator; the numbered SAFs are audited');
select exempt_from_audit('coc_counters', 'number generator; the numbered COCs are audited');
select exempt_from_audit('expiry_alerts', 'de-duplication markers of expiry events');

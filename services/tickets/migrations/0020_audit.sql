-- Audit capture (issue 5): every create, update and delete of tickets' tenant tables is
-- recorded by psa-kit's trigger and published as `psa.tickets.audit.recorded`.
select enable_audit('tickets');
select enable_audit('ticket_notes');
select enable_audit('holiday_calendars');
select enable_audit('holidays', id_column => 'calendar_id');
select enable_audit('business_hours');
select enable_audit('sla_policies');
select enable_audit('sla_targets', id_column => 'policy_id');
select enable_audit('company_sla_policies', id_column => 'company_id');
select enable_audit('work_types');
select enable_audit('time_settings', id_column => 'tenant_id');
select enable_audit('time_entries');
select enable_audit('running_timers', id_column => 'user_id');
select exempt_from_audit('companies', 'projection of contracts'' companies, audited there');
select exempt_from_audit('ticket_counters', 'number generator; the numbered tickets are audited');
select exempt_from_audit('ticket_status_changes', 'status history written with each audited ticket update');
select exempt_from_audit('ticket_sla', 'SLA clock state computed from audited tickets and policies');
select exempt_from_audit('sla_emissions', 'de-duplication markers of SLA events');

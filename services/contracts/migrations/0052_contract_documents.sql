-- A contract's documents (issue 3: contracts have "documents": the signed agreement, SOWs,
-- amendments) are files of the contract's company linked to the contract, so they also show
-- among the company's attachments. Deleting a contract is not possible (it is cancelled), so
-- the link never dangles.
alter table company_attachments add column contract_id uuid;
alter table company_attachments
    add foreign key (tenant_id, contract_id) references contracts (tenant_id, id);
create index company_attachments_contract on company_attachments (tenant_id, contract_id, created_at, id)
    where contract_id is not null;

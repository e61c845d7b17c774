//! Catalog, scope template versions, contracts and service scopes over gRPC against real
//! PostgreSQL: versioning never invalidates older scopes, new scopes follow the newest
//! version, the contract lifecycle and renewal, and the outbox events.

use psa_proto::contracts::{
    self as pb, company_service_client::CompanyServiceClient, contract_service_client::ContractServiceClient,
    service_catalog_service_client::ServiceCatalogServiceClient,
};
use psa_testkit::Stack;
use serde_json::{Value, json};
use sqlx::Row;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::authed;

pub(crate) struct Clients {
    pub catalog: ServiceCatalogServiceClient<Channel>,
    pub contracts: ContractServiceClient<Channel>,
    pub token: String,
    pub company: String,
}

pub(crate) async fn setup() -> (Stack, Clients) {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (_, login) = stack.login(&admin).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let mut companies = CompanyServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let company = companies
        .create_company(authed(
            pb::CreateCompanyRequest { company: Some(pb::Company { name: "Acme".into(), ..Default::default() }) },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .id;
    let catalog = ServiceCatalogServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let contracts = ContractServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    (stack, Clients { catalog, contracts, token, company })
}

fn to_struct(v: Value) -> prost_types::Struct {
    psa_kit::convert::json_to_struct(&v)
}

pub(crate) fn violations(s: &tonic::Status) -> Vec<String> {
    s.get_details_bad_request().map(|b| b.field_violations.into_iter().map(|v| v.field).collect()).unwrap_or_default()
}

pub(crate) fn mdr() -> pb::Service {
    pb::Service {
        name: "MDR".into(),
        category: "Detection & Response".into(),
        delivery_model: pb::DeliveryModel::Serverless as i32,
        base_price: "12.50".into(),
        currency: "usd".into(),
        pricing_unit: pb::PricingUnit::PerEndpoint as i32,
        ..Default::default()
    }
}

fn edr_template() -> Value {
    json!({
        "type": "object",
        "required": ["endpoints", "edr_platform"],
        "properties": {
            "endpoints": {"type": "integer", "title": "Number of endpoints", "minimum": 1},
            "edr_platform": {"type": "string", "title": "EDR platform", "enum": ["CarbonBlack", "CrowdStrike", "SentinelOne"]}
        }
    })
}

pub(crate) fn contract(company: &str) -> pb::Contract {
    pb::Contract {
        name: "Managed SOC 2026".into(),
        company_id: company.into(),
        contract_type: pb::ContractType::ManagedServices as i32,
        start_date: "2026-01-01".into(),
        end_date: "2026-12-31".into(),
        renewal_term_months: 12,
        billing_amount: "6250".into(),
        value: "75000.00".into(),
        currency: "USD".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn template_versions_never_invalidate_older_scopes() {
    let (stack, mut c) = setup().await;
    let t = c.token.clone();
    let service = c
        .catalog
        .create_service(authed(pb::CreateServiceRequest { service: Some(mdr()) }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((service.base_price.as_str(), service.currency.as_str(), service.active), ("12.50", "USD", true));
    assert_eq!(service.current_template_version, 0);
    // Names are unique per tenant, case-insensitively; money and enums are checked per field.
    let dup = pb::Service { name: "mdr".into(), ..mdr() };
    let e = c.catalog.create_service(authed(pb::CreateServiceRequest { service: Some(dup) }, &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);
    let bad = pb::Service {
        name: "X".into(),
        base_price: "-5".into(),
        currency: "dollars".into(),
        delivery_model: 0,
        ..mdr()
    };
    let e = c.catalog.create_service(authed(pb::CreateServiceRequest { service: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violations(&e), ["service.delivery_model", "service.base_price", "service.currency"]);

    // A template outside the subset is rejected naming the keyword; nothing is stored.
    let bad = json!({"type": "object", "properties": {"endpoints": {"type": "integer", "pattern": "x"}}});
    let e = c
        .catalog
        .create_scope_template(authed(
            pb::CreateScopeTemplateRequest { service_id: service.id.clone(), schema: Some(to_struct(bad)) },
            &t,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["schema.properties.endpoints.pattern"]);
    let v1 = c
        .catalog
        .create_scope_template(authed(
            pb::CreateScopeTemplateRequest { service_id: service.id.clone(), schema: Some(to_struct(edr_template())) },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v1.version, 1);

    let k = c
        .contracts
        .create_contract(authed(pb::CreateContractRequest { contract: Some(contract(&c.company)) }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((k.number.as_str(), k.status), ("C-000001", pb::ContractStatus::Draft as i32));
    let item = |details: Value| pb::CreateContractItemRequest {
        contract_id: k.id.clone(),
        service_scope: Some(pb::ServiceScope {
            service_id: service.id.clone(),
            quantity: "500".into(),
            scope_details: Some(to_struct(details)),
            ..Default::default()
        }),
    };
    // Details are validated field by field against the current version.
    let e = c
        .contracts
        .create_contract_item(authed(item(json!({"endpoints": 0, "edr_platform": "Defender"})), &t))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let mut got = violations(&e);
    got.sort();
    assert_eq!(got, ["service_scope.scope_details.edr_platform", "service_scope.scope_details.endpoints"]);
    let old = c
        .contracts
        .create_contract_item(authed(item(json!({"endpoints": 500, "edr_platform": "CarbonBlack"})), &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(old.template_version, 1);
    assert_eq!((old.unit_price.as_str(), old.unit), ("12.50", pb::PricingUnit::PerEndpoint as i32), "service defaults");
    assert_eq!(old.company_id, c.company);

    // Version 2 requires an EPS target.
    let mut v2_schema = edr_template();
    v2_schema["required"] = json!(["endpoints", "edr_platform", "eps_target"]);
    v2_schema["properties"]["eps_target"] = json!({"type": "integer", "title": "EPS target", "minimum": 100});
    let v2 = c
        .catalog
        .create_scope_template(authed(
            pb::CreateScopeTemplateRequest { service_id: service.id.clone(), schema: Some(to_struct(v2_schema)) },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.version, 2);
    let versions = c
        .catalog
        .list_scope_templates(authed(pb::ListScopeTemplatesRequest { service_id: service.id.clone() }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions.templates.iter().map(|t| t.version).collect::<Vec<_>>(), [2, 1]);
    let got_v1 = c
        .catalog
        .get_scope_template(authed(pb::GetScopeTemplateRequest { service_id: service.id.clone(), version: 1 }, &t))
        .await
        .unwrap()
        .into_inner();
    let props = |s: Option<prost_types::Struct>| {
        psa_kit::convert::struct_to_json(&s.unwrap())["properties"].as_object().unwrap().len()
    };
    assert_eq!((props(got_v1.schema), props(v2.schema)), (2, 3), "version 1 is kept as it was");
    let svc = c.catalog.get_service(authed(pb::GetServiceRequest { id: service.id.clone() }, &t)).await.unwrap();
    assert_eq!(svc.into_inner().current_template_version, 2);

    // The old scope stays valid and untouched, even when its status changes.
    let read = c
        .contracts
        .get_service_scope(authed(pb::GetServiceScopeRequest { id: old.id.clone() }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((read.template_version, read.scope_details.clone()), (1, old.scope_details.clone()));
    let patch =
        pb::ServiceScope { id: old.id.clone(), status: pb::ServiceScopeStatus::Active as i32, ..Default::default() };
    let mask = prost_types::FieldMask { paths: vec!["status".into()] };
    let updated = c
        .contracts
        .update_service_scope(authed(
            pb::UpdateServiceScopeRequest { service_scope: Some(patch), update_mask: Some(mask) },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((updated.status, updated.template_version), (pb::ServiceScopeStatus::Active as i32, 1));

    // New scopes must satisfy version 2.
    let e = c
        .contracts
        .create_contract_item(authed(item(json!({"endpoints": 20, "edr_platform": "CrowdStrike"})), &t))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["service_scope.scope_details.eps_target"]);
    let new = c
        .contracts
        .create_contract_item(authed(
            item(json!({"endpoints": 20, "edr_platform": "CrowdStrike", "eps_target": 1500})),
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(new.template_version, 2);
    // Editing the old scope's details validates them against the current version and records it.
    let patch = pb::ServiceScope {
        id: old.id.clone(),
        scope_details: Some(to_struct(json!({"endpoints": 600, "edr_platform": "CarbonBlack"}))),
        ..Default::default()
    };
    let mask = prost_types::FieldMask { paths: vec!["scope_details".into()] };
    let e = c
        .contracts
        .update_service_scope(authed(
            pb::UpdateServiceScopeRequest { service_scope: Some(patch.clone()), update_mask: Some(mask.clone()) },
            &t,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["service_scope.scope_details.eps_target"]);
    let mut patch = patch;
    patch.scope_details = Some(to_struct(json!({"endpoints": 600, "edr_platform": "CarbonBlack", "eps_target": 200})));
    let moved = c
        .contracts
        .update_service_scope(authed(
            pb::UpdateServiceScopeRequest { service_scope: Some(patch), update_mask: Some(mask) },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.template_version, 2);
    let items = c
        .contracts
        .list_contract_items(authed(
            pb::ListContractItemsRequest { contract_id: k.id.clone(), ..Default::default() },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        items.service_scopes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [old.id.as_str(), new.id.as_str()]
    );

    // An archived service is hidden from the default list and cannot be added any more.
    c.catalog.delete_service(authed(pb::DeleteServiceRequest { id: service.id.clone() }, &t)).await.unwrap();
    let list = c.catalog.list_services(authed(pb::ListServicesRequest::default(), &t)).await.unwrap().into_inner();
    assert!(list.services.is_empty());
    let req = pb::ListServicesRequest { show_inactive: true, ..Default::default() };
    let list = c.catalog.list_services(authed(req, &t)).await.unwrap().into_inner();
    assert_eq!(list.services.len(), 1);
    assert!(!list.services[0].active);
    let e = c
        .contracts
        .create_contract_item(authed(
            item(json!({"endpoints": 20, "edr_platform": "CrowdStrike", "eps_target": 1500})),
            &t,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["service_scope.service_id"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_lifecycle_renewal_and_events() {
    let (stack, mut c) = setup().await;
    let t = c.token.clone();
    let service = c
        .catalog
        .create_service(authed(pb::CreateServiceRequest { service: Some(mdr()) }, &t))
        .await
        .unwrap()
        .into_inner();
    let k = c
        .contracts
        .create_contract(authed(pb::CreateContractRequest { contract: Some(contract(&c.company)) }, &t))
        .await
        .unwrap()
        .into_inner();
    // Numbers: generated in sequence, explicit ones unique per tenant.
    let explicit = pb::Contract { number: "MSA-7".into(), ..contract(&c.company) };
    let e2 = c
        .contracts
        .create_contract(authed(pb::CreateContractRequest { contract: Some(explicit.clone()) }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(e2.number, "MSA-7");
    let e = c
        .contracts
        .create_contract(authed(pb::CreateContractRequest { contract: Some(explicit) }, &t))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);
    // Bad dates, money and references are INVALID_ARGUMENT naming each field.
    let bad = pb::Contract {
        end_date: "2025-01-01".into(),
        value: "1,000".into(),
        company_id: uuid::Uuid::now_v7().to_string(),
        ..contract(&c.company)
    };
    let e =
        c.contracts.create_contract(authed(pb::CreateContractRequest { contract: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(violations(&e), ["contract.value"]);
    let bad = pb::Contract { end_date: "2025-01-01".into(), ..contract(&c.company) };
    let e =
        c.contracts.create_contract(authed(pb::CreateContractRequest { contract: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(violations(&e), ["contract.end_date"]);
    let bad = pb::Contract { company_id: uuid::Uuid::now_v7().to_string(), ..contract(&c.company) };
    let e =
        c.contracts.create_contract(authed(pb::CreateContractRequest { contract: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(violations(&e), ["contract.company_id"]);
    // The signer must be a contact of the contract's company.
    let mut contacts =
        psa_proto::contracts::contact_service_client::ContactServiceClient::connect(stack.contracts_url.clone())
            .await
            .unwrap();
    let mut companies = CompanyServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let other = companies
        .create_company(authed(
            pb::CreateCompanyRequest { company: Some(pb::Company { name: "Other".into(), ..Default::default() }) },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut new_contact = async |company: String| {
        let req = pb::CreateContactRequest {
            contact: Some(pb::Contact { company_id: company, first_name: "Sam".into(), ..Default::default() }),
        };
        contacts.create_contact(authed(req, &t)).await.unwrap().into_inner().id
    };
    let stranger = new_contact(other.id.clone()).await;
    let ours = new_contact(c.company.clone()).await;
    let bad = pb::Contract { signer_contact_id: stranger, signed_date: "2025-12-20".into(), ..contract(&c.company) };
    let e =
        c.contracts.create_contract(authed(pb::CreateContractRequest { contract: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(violations(&e), ["contract.signer_contact_id"]);
    let signed =
        pb::Contract { signer_contact_id: ours.clone(), signed_date: "2025-12-20".into(), ..contract(&c.company) };
    let signed = c
        .contracts
        .create_contract(authed(pb::CreateContractRequest { contract: Some(signed) }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((signed.signer_contact_id, signed.signed_date.as_str()), (ours, "2025-12-20"));

    c.contracts
        .create_contract_item(authed(
            pb::CreateContractItemRequest {
                contract_id: k.id.clone(),
                service_scope: Some(pb::ServiceScope {
                    service_id: service.id.clone(),
                    unit_price: "10".into(),
                    ..Default::default()
                }),
            },
            &t,
        ))
        .await
        .unwrap();
    let set_status = |s: pb::ContractStatus| pb::UpdateContractRequest {
        contract: Some(pb::Contract { id: k.id.clone(), status: s as i32, ..Default::default() }),
        update_mask: Some(prost_types::FieldMask { paths: vec!["status".into()] }),
    };
    // Drafts cannot be renewed.
    let e = c.contracts.renew_contract(authed(pb::RenewContractRequest { id: k.id.clone() }, &t)).await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::FailedPrecondition, "a contract cannot move from draft to renewed"));
    let active = c.contracts.update_contract(authed(set_status(pb::ContractStatus::Active), &t)).await.unwrap();
    assert_eq!(active.into_inner().status, pb::ContractStatus::Active as i32);
    let e = c.contracts.update_contract(authed(set_status(pb::ContractStatus::Draft), &t)).await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::FailedPrecondition, "a contract cannot move from active to draft"));
    let e = c.contracts.update_contract(authed(set_status(pb::ContractStatus::Renewed), &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);

    let next = c
        .contracts
        .renew_contract(authed(pb::RenewContractRequest { id: k.id.clone() }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (next.status, next.start_date.as_str(), next.end_date.as_str(), next.previous_contract_id.as_str()),
        (pb::ContractStatus::Draft as i32, "2027-01-01", "2027-12-31", k.id.as_str())
    );
    assert_eq!((next.number.as_str(), next.value.as_str(), next.currency.as_str()), ("C-000003", "75000.00", "USD"));
    let old = c.contracts.get_contract(authed(pb::GetContractRequest { id: k.id.clone() }, &t)).await.unwrap();
    assert_eq!(old.into_inner().status, pb::ContractStatus::Renewed as i32);
    let copied = c
        .contracts
        .list_contract_items(authed(
            pb::ListContractItemsRequest { contract_id: next.id.clone(), ..Default::default() },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(copied.service_scopes.len(), 1);
    assert_eq!(copied.service_scopes[0].unit_price, "10.00");
    // Renewed is final.
    let e = c.contracts.renew_contract(authed(pb::RenewContractRequest { id: k.id.clone() }, &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    let e = c.contracts.update_contract(authed(set_status(pb::ContractStatus::Cancelled), &t)).await.unwrap_err();
    assert_eq!(e.message(), "a contract cannot move from renewed to cancelled");

    // Company filter and the company path.
    let req = pb::ListContractsRequest {
        company_id: c.company.clone(),
        filter: "status = CONTRACT_STATUS_DRAFT".into(),
        ..Default::default()
    };
    let drafts = c.contracts.list_company_contracts(authed(req, &t)).await.unwrap().into_inner();
    assert_eq!(
        drafts.contracts.iter().map(|k| k.number.as_str()).collect::<Vec<_>>(),
        ["C-000003", "C-000002", "MSA-7"]
    );

    let mut db = stack.db().await;
    let subjects: Vec<String> = sqlx::query("select subject from contracts.outbox order by id")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(subjects.iter().filter(|s| s.ends_with("contract.created")).count(), 4);
    assert_eq!(subjects.iter().filter(|s| s.ends_with("contract.updated")).count(), 2, "activated, renewed");
    stack.stop().await;
}

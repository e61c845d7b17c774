//! SAFs over gRPC against real PostgreSQL: generated and unique numbers, field checks, the
//! lifecycle one step at a time, and the scope following its SAF (ACTIVE, then COMPLETED).

use psa_proto::contracts as pb;
use tonic::Code;

use crate::authed;
use crate::catalog::{contract, mdr, setup, violations};

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| (*p).to_owned()).collect() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn saf_lifecycle_drives_its_scope() {
    let (_stack, mut c) = setup().await;
    let t = c.token.clone();
    let service = c
        .catalog
        .create_service(authed(pb::CreateServiceRequest { service: Some(mdr()) }, &t))
        .await
        .unwrap()
        .into_inner();
    let new_contract = |n: &str| pb::CreateContractRequest {
        contract: Some(pb::Contract { number: n.into(), ..contract(&c.company) }),
    };
    let k = c.contracts.create_contract(authed(new_contract("K-1"), &t)).await.unwrap().into_inner();
    let other = c.contracts.create_contract(authed(new_contract("K-2"), &t)).await.unwrap().into_inner();
    let item = |contract_id: &str| pb::CreateContractItemRequest {
        contract_id: contract_id.into(),
        service_scope: Some(pb::ServiceScope {
            service_id: service.id.clone(),
            quantity: "10".into(),
            ..Default::default()
        }),
    };
    let scope = c.contracts.create_contract_item(authed(item(&k.id), &t)).await.unwrap().into_inner();
    let foreign_scope = c.contracts.create_contract_item(authed(item(&other.id), &t)).await.unwrap().into_inner();

    let saf = |number: &str, scope: &str| pb::Saf {
        number: number.into(),
        title: "SOC Monitoring Authorization".into(),
        document_url: "https://docs.example.com/saf-1.pdf".into(),
        contract_id: k.id.clone(),
        service_scope_id: scope.into(),
        start_date: "2026-01-01".into(),
        end_date: "2026-12-31".into(),
        value: "60000".into(),
        currency: "usd".into(),
        status: pb::SafStatus::Active as i32,
        ..Default::default()
    };
    // Bad input: every field named, nothing written.
    let bad = pb::Saf {
        title: String::new(),
        document_url: "javascript:alert(1)".into(),
        end_date: "2025-01-01".into(),
        value: "-5".into(),
        ..saf("", &scope.id)
    };
    let e = c.contracts.create_saf(authed(pb::CreateSafRequest { saf: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violations(&e), ["saf.value"]);
    let bad = pb::Saf {
        title: String::new(),
        document_url: "javascript:alert(1)".into(),
        end_date: "2025-01-01".into(),
        ..saf("", &scope.id)
    };
    let e = c.contracts.create_saf(authed(pb::CreateSafRequest { saf: Some(bad) }, &t)).await.unwrap_err();
    assert_eq!(violations(&e), ["saf.title", "saf.document_url", "saf.end_date"]);
    let e = c
        .contracts
        .create_saf(authed(pb::CreateSafRequest { saf: Some(saf("", &foreign_scope.id)) }, &t))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["saf.service_scope_id"]);
    let listed = c.contracts.list_safs(authed(pb::ListSafsRequest::default(), &t)).await.unwrap().into_inner();
    assert!(listed.safs.is_empty(), "nothing half-written");

    // Generated number, DRAFT whatever was asked, the contract's company, decimal value.
    let s = c
        .contracts
        .create_saf(authed(pb::CreateSafRequest { saf: Some(saf("", &scope.id)) }, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.number, "SAF-000001");
    assert_eq!(s.status, pb::SafStatus::Draft as i32);
    assert_eq!((s.company_id.as_str(), s.value.as_str(), s.currency.as_str()), (c.company.as_str(), "60000.00", "USD"));
    let s2 =
        c.contracts.create_saf(authed(pb::CreateSafRequest { saf: Some(saf("", "")) }, &t)).await.unwrap().into_inner();
    assert_eq!(s2.number, "SAF-000002");
    let e = c
        .contracts
        .create_saf(authed(pb::CreateSafRequest { saf: Some(saf("saf-000001", "")) }, &t))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "numbers are unique per tenant, case-insensitively");

    let set_status = |id: &str, st: pb::SafStatus| pb::UpdateSafRequest {
        saf: Some(pb::Saf { id: id.into(), status: st as i32, ..Default::default() }),
        update_mask: mask(&["status"]),
    };
    let scope_status = |s: &pb::ServiceScope| pb::ServiceScopeStatus::try_from(s.status).unwrap();
    // Skipping a step is refused with a clear message; nothing changes.
    let e = c.contracts.update_saf(authed(set_status(&s.id, pb::SafStatus::Active), &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("cannot move from draft to active"), "{}", e.message());
    for st in [pb::SafStatus::Sent, pb::SafStatus::Signed] {
        let got = c.contracts.update_saf(authed(set_status(&s.id, st), &t)).await.unwrap().into_inner();
        assert_eq!(got.status, st as i32);
    }
    let get_scope = |id: &str| pb::GetServiceScopeRequest { id: id.into() };
    let sc = c.contracts.get_service_scope(authed(get_scope(&scope.id), &t)).await.unwrap().into_inner();
    assert_eq!(scope_status(&sc), pb::ServiceScopeStatus::Pending, "a signed SAF does not start the service yet");
    c.contracts.update_saf(authed(set_status(&s.id, pb::SafStatus::Active), &t)).await.unwrap();
    let sc = c.contracts.get_service_scope(authed(get_scope(&scope.id), &t)).await.unwrap().into_inner();
    assert_eq!(scope_status(&sc), pb::ServiceScopeStatus::Active, "SAF active → scope active");
    c.contracts.update_saf(authed(set_status(&s.id, pb::SafStatus::Expired), &t)).await.unwrap();
    let sc = c.contracts.get_service_scope(authed(get_scope(&scope.id), &t)).await.unwrap().into_inner();
    assert_eq!(scope_status(&sc), pb::ServiceScopeStatus::Completed, "SAF expired → scope completed");
    let e = c.contracts.update_saf(authed(set_status(&s.id, pb::SafStatus::Draft), &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "expired is final");

    // Masked update of other fields; the contract cannot change.
    let patch = pb::UpdateSafRequest {
        saf: Some(pb::Saf { id: s2.id.clone(), title: "Renamed".into(), ..Default::default() }),
        update_mask: mask(&["title"]),
    };
    let got = c.contracts.update_saf(authed(patch, &t)).await.unwrap().into_inner();
    assert_eq!((got.title.as_str(), got.document_url.as_str()), ("Renamed", "https://docs.example.com/saf-1.pdf"));
    let patch = pb::UpdateSafRequest {
        saf: Some(pb::Saf { id: s2.id.clone(), contract_id: other.id.clone(), ..Default::default() }),
        update_mask: mask(&["contract_id"]),
    };
    assert_eq!(c.contracts.update_saf(authed(patch, &t)).await.unwrap_err().code(), Code::InvalidArgument);

    // Filters.
    let list = |filter: String| pb::ListSafsRequest { filter, ..Default::default() };
    let got = c.contracts.list_safs(authed(list("status=SAF_STATUS_EXPIRED".into()), &t)).await.unwrap().into_inner();
    assert_eq!(got.safs.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [s.id.as_str()]);
    let got =
        c.contracts.list_safs(authed(list(format!("contract_id=\"{}\"", other.id)), &t)).await.unwrap().into_inner();
    assert!(got.safs.is_empty());
    let got =
        c.contracts.list_safs(authed(list(format!("company_id=\"{}\"", c.company)), &t)).await.unwrap().into_inner();
    assert_eq!(got.safs.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cocs_link_to_a_saf_or_scope_and_follow_their_lifecycle() {
    let (_stack, mut c) = setup().await;
    let t = c.token.clone();
    let service = c
        .catalog
        .create_service(authed(pb::CreateServiceRequest { service: Some(mdr()) }, &t))
        .await
        .unwrap()
        .into_inner();
    let new_contract = |n: &str| pb::CreateContractRequest {
        contract: Some(pb::Contract { number: n.into(), ..contract(&c.company) }),
    };
    let k = c.contracts.create_contract(authed(new_contract("K-1"), &t)).await.unwrap().into_inner();
    let other = c.contracts.create_contract(authed(new_contract("K-2"), &t)).await.unwrap().into_inner();
    let item = |contract_id: &str| pb::CreateContractItemRequest {
        contract_id: contract_id.into(),
        service_scope: Some(pb::ServiceScope { service_id: service.id.clone(), ..Default::default() }),
    };
    let scope = c.contracts.create_contract_item(authed(item(&k.id), &t)).await.unwrap().into_inner();
    let foreign_scope = c.contracts.create_contract_item(authed(item(&other.id), &t)).await.unwrap().into_inner();
    let saf = pb::Saf { title: "SAF".into(), contract_id: k.id.clone(), currency: "USD".into(), ..Default::default() };
    let saf = c.contracts.create_saf(authed(pb::CreateSafRequest { saf: Some(saf) }, &t)).await.unwrap().into_inner();

    let coc = |saf_id: &str, scope_id: &str| pb::Coc {
        title: "SOC 2 Type II".into(),
        coc_type: pb::CocType::Soc2 as i32,
        issue_date: "2026-01-15".into(),
        expiry_date: "2027-01-14".into(),
        audit_date: "2025-12-01".into(),
        next_audit_date: "2026-12-01".into(),
        saf_id: saf_id.into(),
        service_scope_id: scope_id.into(),
        ..Default::default()
    };
    let create = |x: pb::Coc| authed(pb::CreateCocRequest { coc: Some(x) }, &t);
    let e = c.contracts.create_coc(create(coc("", ""))).await.unwrap_err();
    assert_eq!((e.code(), violations(&e)), (Code::InvalidArgument, vec!["coc.saf_id".to_owned()]));
    let e = c
        .contracts
        .create_coc(create(pb::Coc { coc_type: 0, expiry_date: "2020-01-01".into(), ..coc(&saf.id, "") }))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["coc.coc_type"]);
    let e = c
        .contracts
        .create_coc(create(pb::Coc { expiry_date: "2020-01-01".into(), ..coc(&saf.id, "") }))
        .await
        .unwrap_err();
    assert_eq!(violations(&e), ["coc.expiry_date"]);
    let e = c.contracts.create_coc(create(coc(&saf.id, &foreign_scope.id))).await.unwrap_err();
    assert_eq!(violations(&e), ["coc.service_scope_id"], "SAF and scope of different contracts");
    let e = c.contracts.create_coc(create(coc(&uuid::Uuid::now_v7().to_string(), ""))).await.unwrap_err();
    assert_eq!(violations(&e), ["coc.saf_id"]);

    let a = c.contracts.create_coc(create(coc(&saf.id, &scope.id))).await.unwrap().into_inner();
    assert_eq!((a.number.as_str(), a.status), ("COC-000001", pb::CocStatus::Draft as i32));
    assert_eq!((a.contract_id.as_str(), a.company_id.as_str()), (k.id.as_str(), c.company.as_str()));
    let b = c.contracts.create_coc(create(coc("", &foreign_scope.id))).await.unwrap().into_inner();
    assert_eq!((b.number.as_str(), b.contract_id.as_str()), ("COC-000002", other.id.as_str()));
    let e =
        c.contracts.create_coc(create(pb::Coc { number: "coc-000002".into(), ..coc(&saf.id, "") })).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);

    let set = |id: &str, st: pb::CocStatus| pb::UpdateCocRequest {
        coc: Some(pb::Coc { id: id.into(), status: st as i32, ..Default::default() }),
        update_mask: mask(&["status"]),
    };
    let e = c.contracts.update_coc(authed(set(&a.id, pb::CocStatus::Expired), &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("cannot move from draft to expired"), "{}", e.message());
    c.contracts.update_coc(authed(set(&a.id, pb::CocStatus::Active), &t)).await.unwrap();
    let got = c.contracts.update_coc(authed(set(&a.id, pb::CocStatus::Revoked), &t)).await.unwrap().into_inner();
    assert_eq!(got.status, pb::CocStatus::Revoked as i32);
    let e = c.contracts.update_coc(authed(set(&a.id, pb::CocStatus::Active), &t)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "revoked is final");

    let list = |filter: String| authed(pb::ListCocsRequest { filter, ..Default::default() }, &t);
    let got = c.contracts.list_cocs(list(format!("contract_id=\"{}\"", other.id))).await.unwrap().into_inner();
    assert_eq!(got.cocs.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), [b.id.as_str()]);
    let got = c.contracts.list_cocs(list("status=COC_STATUS_REVOKED AND coc_type=COC_TYPE_SOC2".into())).await.unwrap();
    assert_eq!(got.into_inner().cocs.len(), 1);
}

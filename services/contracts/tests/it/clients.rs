//! The client side over gRPC: every change is announced through the outbox with its subject,
//! and concurrent "make primary" requests still leave exactly one primary site.

use psa_proto::contracts::{
    self as pb, company_service_client::CompanyServiceClient, contact_service_client::ContactServiceClient,
    site_service_client::SiteServiceClient,
};
use psa_testkit::Stack;
use sqlx::Row;

use crate::authed;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_side_changes_are_published_and_one_site_stays_primary() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (_, login) = stack.login(&admin).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let mut companies = CompanyServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let mut contacts = ContactServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let mut sites = SiteServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let company = companies
        .create_company(authed(
            pb::CreateCompanyRequest { company: Some(pb::Company { name: "Acme".into(), ..Default::default() }) },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let req = pb::ChangeCompanyStatusRequest {
        id: company.id.clone(),
        status: pb::CompanyStatus::Renewal as i32,
        reason: "ends soon".into(),
    };
    companies.change_company_status(authed(req, &token)).await.unwrap();

    let mut ids = Vec::new();
    for name in ["HQ", "DC1", "DC2", "DC3"] {
        let site = pb::Site { company_id: company.id.clone(), name: name.into(), ..Default::default() };
        ids.push(
            sites
                .create_site(authed(pb::CreateSiteRequest { site: Some(site) }, &token))
                .await
                .unwrap()
                .into_inner()
                .id,
        );
    }
    // Three "make primary" requests at once: each wins in turn, one primary remains.
    let mut tasks = Vec::new();
    for id in ids[1..].iter().cloned() {
        let (mut sites, token) = (sites.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let site = pb::Site { id, is_primary: true, ..Default::default() };
            let mask = prost_types::FieldMask { paths: vec!["is_primary".into()] };
            sites.update_site(authed(pb::UpdateSiteRequest { site: Some(site), update_mask: Some(mask) }, &token)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let list = sites
        .list_company_sites(authed(
            pb::ListSitesRequest { company_id: company.id.clone(), ..Default::default() },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.sites.iter().filter(|s| s.is_primary).count(), 1);

    let contact = |first: &str| pb::CreateContactRequest {
        contact: Some(pb::Contact { company_id: company.id.clone(), first_name: first.into(), ..Default::default() }),
    };
    let a = contacts.create_contact(authed(contact("Ann"), &token)).await.unwrap().into_inner();
    let b = contacts.create_contact(authed(contact("Anne"), &token)).await.unwrap().into_inner();
    contacts
        .merge_contact(authed(pb::MergeContactRequest { id: b.id.clone(), target_id: a.id.clone() }, &token))
        .await
        .unwrap();

    let mut db = stack.db().await;
    let subjects: Vec<String> = sqlx::query("select subject from contracts.outbox order by id")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let count = |suffix: &str| subjects.iter().filter(|s| s.ends_with(suffix)).count();
    assert_eq!(count(".company.status_changed"), 2, "creation and the move: {subjects:?}");
    assert_eq!(count(".site.created"), 4);
    assert_eq!(count(".site.updated"), 3);
    assert_eq!(count(".contact.merged"), 1);
    stack.stop().await;
}

//! contracts over gRPC against real PostgreSQL and NATS: company lifecycle, update masks,
//! ordering and keyset pages, archive, contacts, and the events written to the outbox.

use psa_proto::contracts::{
    self as pb, company_service_client::CompanyServiceClient, contact_service_client::ContactServiceClient,
};
use psa_testkit::Stack;
use sqlx::Row;
use tonic::Code;
use tonic::metadata::MetadataValue;

mod catalog;
mod clients;
mod expiry;
mod hours;
mod safs;

pub(crate) fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", MetadataValue::try_from(format!("Bearer {token}")).unwrap());
    req
}

async fn setup() -> (Stack, String, CompanyServiceClient<tonic::transport::Channel>) {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (_, login) = stack.login(&admin).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let client = CompanyServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    (stack, token, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn companies_order_page_update_and_archive() {
    let (stack, token, mut c) = setup().await;
    let names = ["delta", "Alpha", "charlie", "Bravo", "echo"];
    let mut ids = Vec::new();
    for n in names {
        let company = pb::Company { name: n.into(), industry: "MSP".into(), ..Default::default() };
        ids.push(
            c.create_company(authed(pb::CreateCompanyRequest { company: Some(company) }, &token))
                .await
                .unwrap()
                .into_inner()
                .id,
        );
    }
    // Case-insensitive name order across keyset pages of 2.
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let req = pb::ListCompaniesRequest { page_size: 2, page_token: page_token.clone(), ..Default::default() };
        let page = c.list_companies(authed(req, &token)).await.unwrap().into_inner();
        seen.extend(page.companies.into_iter().map(|x| x.name));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(seen, ["Alpha", "Bravo", "charlie", "delta", "echo"]);
    // Update with a mask changes only the masked fields and records CompanyUpdated.
    let patch =
        pb::Company { id: ids[0].clone(), name: "Delta Corp".into(), industry: "ignored".into(), ..Default::default() };
    let mask = prost_types::FieldMask { paths: vec!["name".into()] };
    let updated = c
        .update_company(authed(pb::UpdateCompanyRequest { company: Some(patch), update_mask: Some(mask) }, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((updated.name.as_str(), updated.industry.as_str()), ("Delta Corp", "MSP"));
    let mut db = stack.db().await;
    let events: Vec<String> = sqlx::query("select subject from contracts.outbox order by id")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(events.iter().filter(|s| s.ends_with("company.created")).count(), 5);
    assert_eq!(events.iter().filter(|s| s.ends_with("company.updated")).count(), 1);
    // Renaming onto another company's name (any case) is ALREADY_EXISTS; nothing changes.
    let clash = pb::Company { id: ids[1].clone(), name: "BRAVO".into(), ..Default::default() };
    let err = c
        .update_company(authed(pb::UpdateCompanyRequest { company: Some(clash), update_mask: None }, &token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    // Archive hides from default lists, shows with a status filter.
    let archived =
        c.delete_company(authed(pb::DeleteCompanyRequest { id: ids[4].clone() }, &token)).await.unwrap().into_inner();
    assert_eq!(archived.status, pb::CompanyStatus::Archived as i32);
    let all = c.list_companies(authed(pb::ListCompaniesRequest::default(), &token)).await.unwrap().into_inner();
    assert_eq!(all.companies.len(), 4);
    let req = pb::ListCompaniesRequest { filter: "status = COMPANY_STATUS_ARCHIVED".into(), ..Default::default() };
    let arch = c.list_companies(authed(req, &token)).await.unwrap().into_inner();
    assert_eq!(arch.companies.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["echo"]);
    let req = pb::ListCompaniesRequest {
        filter: "name:\"ALP\"".into(),
        order_by: "create_time desc".into(),
        ..Default::default()
    };
    let found = c.list_companies(authed(req, &token)).await.unwrap().into_inner();
    assert_eq!(found.companies.len(), 1);
    let err = c
        .get_company(authed(pb::GetCompanyRequest { id: uuid::Uuid::now_v7().to_string() }, &token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contacts_belong_to_a_company() {
    let (stack, token, mut c) = setup().await;
    let company = c
        .create_company(authed(
            pb::CreateCompanyRequest { company: Some(pb::Company { name: "Acme".into(), ..Default::default() }) },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut contacts = ContactServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let new = |first: &str, email: &str, company_id: &str| pb::CreateContactRequest {
        contact: Some(pb::Contact {
            company_id: company_id.into(),
            first_name: first.into(),
            last_name: "Smith".into(),
            email: email.into(),
            contact_type: pb::ContactType::Technical as i32,
            ..Default::default()
        }),
    };
    let made = contacts
        .create_contact(authed(new("John", "john@acme.example", &company.id), &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(made.contact_type, pb::ContactType::Technical as i32);
    let err = contacts
        .create_contact(authed(new("Jane", "jane@acme.example", &uuid::Uuid::now_v7().to_string()), &token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "unknown company");
    let err = contacts.create_contact(authed(new("", "not-an-email", &company.id), &token)).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let req = pb::ListContactsRequest {
        filter: format!("company_id = \"{}\" AND name:\"john\"", company.id),
        ..Default::default()
    };
    let list = contacts.list_contacts(authed(req, &token)).await.unwrap().into_inner();
    assert_eq!(list.contacts.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), [made.id.as_str()]);
    stack.stop().await;
}

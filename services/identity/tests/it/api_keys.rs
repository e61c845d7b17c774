//! API keys: scope within the creator's permissions, secret shown once and stored hashed,
//! exchange for a `service` token, last-used time, revocation, expiry, disabled creator,
//! tenant isolation.

use psa_proto::identity as pb;
use psa_testkit::Stack;
use sqlx::Row as _;
use tonic::Code;

use crate::access::{admin_token, auth, clients, create_user, login, violations, who};

fn new_key(name: &str, perms: &[&str], expire: Option<i64>) -> pb::CreateApiKeyRequest {
    pb::CreateApiKeyRequest {
        name: name.into(),
        permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
        expire_time: expire.map(|s| prost_types::Timestamp { seconds: s, nanos: 0 }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_keys_scope_exchange_revoke_and_isolation() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let other = stack.create_tenant("other").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;
    let other_token = admin_token(&mut c, &other).await;

    let created = c.keys.create_api_key(auth(new_key("RMM sync", &["tickets.read"], None), &token)).await.unwrap();
    let created = created.into_inner();
    let key = created.api_key.unwrap();
    assert!(created.secret.starts_with("psa_") && created.secret.starts_with(&key.prefix));
    // stored hashed: the secret appears nowhere in the table
    let mut db = stack.db().await;
    let row = sqlx::query("select key_hash, prefix from identity.api_keys where id = $1::uuid")
        .bind(&key.id)
        .fetch_one(&mut db)
        .await
        .unwrap();
    let hash: Vec<u8> = row.get(0);
    use sha2::Digest as _;
    assert_eq!(hash, sha2::Sha256::digest(created.secret.as_bytes()).to_vec());
    assert_eq!(row.get::<String, _>(1).len(), 12, "only a short prefix is kept in clear");
    assert_eq!(created.secret.len(), 80, "psa_ + 32 hex + _ + 43 base64url");

    let exchanged = c
        .keys
        .exchange_api_key(pb::ExchangeApiKeyRequest { api_key: created.secret.clone() })
        .await
        .unwrap()
        .into_inner();
    let me = who(&mut c, &exchanged.access_token).await.unwrap();
    assert_eq!(
        (me.kind.as_str(), me.permissions.as_slice(), me.session_id.as_str()),
        ("service", &["tickets.read".to_owned()][..], key.id.as_str())
    );
    let listed = c.keys.list_api_keys(auth(pb::ListApiKeysRequest {}, &token)).await.unwrap().into_inner().api_keys;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_time.is_some());
    // a key's token cannot do what its scope does not allow
    let e = c.users.list_users(auth(pb::ListUsersRequest::default(), &exchanged.access_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);

    // validation and scope ⊆ creator's permissions
    let e = c.keys.create_api_key(auth(new_key("", &["tickets.fly"], Some(1)), &token)).await.unwrap_err();
    assert_eq!(violations(&e), ["name", "permissions[0]", "expire_time"]);
    create_user(&mut c, &token, "tech@demo.example", "violet-otter-93", &["technician"]).await;
    let role = c
        .roles
        .create_role(auth(
            pb::CreateRoleRequest {
                name: "Integrator".into(),
                description: String::new(),
                permissions: vec!["api_keys.write".into()],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let users = c.users.list_users(auth(pb::ListUsersRequest::default(), &token)).await.unwrap().into_inner().users;
    let tech = users.iter().find(|u| u.email == "tech@demo.example").unwrap().id.clone();
    let upd =
        pb::UpdateUserRequest { id: tech.clone(), role_ids: vec!["technician".into(), role.id], ..Default::default() };
    c.users.update_user(auth(upd, &token)).await.unwrap();
    let tt = login(&mut c, "demo", "tech@demo.example", "violet-otter-93").await.unwrap().access_token;
    let e = c.keys.create_api_key(auth(new_key("x", &["users.read"], None), &tt)).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    let soon = chrono::Utc::now().timestamp() + 3600;
    let tech_key = c.keys.create_api_key(auth(new_key("mine", &["tickets.write"], Some(soon)), &tt)).await.unwrap();
    let tech_key = tech_key.into_inner();
    let t = c.keys.exchange_api_key(pb::ExchangeApiKeyRequest { api_key: tech_key.secret.clone() }).await.unwrap();
    assert!(t.into_inner().expires_in <= 900);

    // another tenant sees none of it and cannot revoke
    let theirs = c.keys.list_api_keys(auth(pb::ListApiKeysRequest {}, &other_token)).await.unwrap().into_inner();
    assert!(theirs.api_keys.is_empty());
    let e =
        c.keys.revoke_api_key(auth(pb::RevokeApiKeyRequest { id: key.id.clone() }, &other_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    assert!(who(&mut c, &exchanged.access_token).await.is_ok());

    // revoke: exchange refused, issued tokens refused
    let r = c.keys.revoke_api_key(auth(pb::RevokeApiKeyRequest { id: key.id.clone() }, &token)).await.unwrap();
    assert!(r.into_inner().revoke_time.is_some());
    let e = c.keys.exchange_api_key(pb::ExchangeApiKeyRequest { api_key: created.secret.clone() }).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert_eq!(who(&mut c, &exchanged.access_token).await.unwrap_err().code(), Code::Unauthenticated);

    // expired keys and keys of disabled users are refused with the same answer
    sqlx::query("update identity.api_keys set expires_at = now() - interval '1 second' where id = $1::uuid")
        .bind(&tech_key.api_key.as_ref().unwrap().id)
        .execute(&mut db)
        .await
        .unwrap();
    let expired =
        c.keys.exchange_api_key(pb::ExchangeApiKeyRequest { api_key: tech_key.secret.clone() }).await.unwrap_err();
    assert_eq!((expired.code(), expired.message()), (Code::Unauthenticated, e.message()));
    let k2 = c.keys.create_api_key(auth(new_key("k2", &["tickets.read"], None), &tt)).await.unwrap().into_inner();
    c.users.disable_user(auth(pb::DisableUserRequest { id: tech }, &token)).await.unwrap();
    let e2 = c.keys.exchange_api_key(pb::ExchangeApiKeyRequest { api_key: k2.secret }).await.unwrap_err();
    assert_eq!(e2.code(), Code::Unauthenticated);
    let garbage = c.keys.exchange_api_key(pb::ExchangeApiKeyRequest { api_key: "psa_garbage".into() }).await;
    assert_eq!(garbage.unwrap_err().code(), Code::Unauthenticated);
    stack.stop().await;
}

//! Credentials hardening: MFA enforcement per role, TOTP secrets sealed at rest, password
//! expiry (forced change at sign-in), the last-admin guard; settings isolated per tenant.

use psa_proto::identity as pb;
use psa_testkit::Stack;
use sqlx::Row as _;
use tonic::Code;

use crate::access::{admin_token, auth, clients, create_user, login, violations, who};

const PW: &str = "violet-otter-93";

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| (*p).to_owned()).collect() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mfa_required_for_listed_roles_and_secrets_sealed_at_rest() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let other = stack.create_tenant("other").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    create_user(&mut c, &token, "mgr@demo.example", PW, &["manager"]).await;

    let bad = pb::UpdateSecuritySettingsRequest {
        mfa_required_roles: vec!["technician".into(), "nope".into(), "client_user".into()],
        ..Default::default()
    };
    let e = c.settings.update_security_settings(auth(bad, &token)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violations(&e), ["mfa_required_roles[1]", "mfa_required_roles[2]"]);

    let upd = pb::UpdateSecuritySettingsRequest {
        mfa_required_roles: vec!["technician".into(), "technician".into()],
        ..Default::default()
    };
    let s = c.settings.update_security_settings(auth(upd, &token)).await.unwrap().into_inner();
    assert_eq!(s.mfa_required_roles, ["technician"]);
    assert!(!s.mfa_required);

    let tech = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(tech.mfa_setup_required, "technicians must enrol");
    assert_eq!(who(&mut c, &tech.access_token).await.unwrap().permissions, ["account.self"]);
    let mgr = login(&mut c, "demo", "mgr@demo.example", PW).await.unwrap();
    assert!(!mgr.mfa_setup_required, "managers are not listed");
    assert!(who(&mut c, &mgr.access_token).await.unwrap().permissions.contains(&"tickets.read".to_owned()));

    // the restricted token reaches the enrolment endpoints, and the secret is stored sealed
    let setup = c.auth.setup_mfa(auth(pb::SetupMfaRequest {}, &tech.access_token)).await.unwrap().into_inner();
    assert!(setup.qr_code_svg.contains("<svg"));
    let raw = totp_rs::Secret::try_from_base32(&setup.secret).unwrap();
    let stored: Vec<u8> = sqlx::query(
        "select m.secret from identity.user_mfa m join identity.users u on u.id = m.user_id \
                                      where u.email = 'tech@demo.example'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    assert_eq!(stored.len(), 1 + 12 + 20 + 16, "version, nonce, ciphertext, tag");
    assert!(!stored.windows(raw.as_ref().len()).any(|w| w == raw.as_ref()), "raw secret not stored");
    let now = chrono::Utc::now().timestamp() as u64;
    let code = psa_identity::domain::mfa::code_at(raw.as_ref(), now).unwrap();
    c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code }, &tech.access_token)).await.unwrap();
    let r = c.auth.refresh(pb::RefreshRequest { refresh_token: tech.refresh_token }).await.unwrap().into_inner();
    assert!(!r.mfa_setup_required);

    // another tenant's settings are untouched and theirs alone
    let o_token = admin_token(&mut c, &other).await;
    let o = c.settings.get_security_settings(auth(pb::GetSecuritySettingsRequest {}, &o_token)).await.unwrap();
    assert!(o.into_inner().mfa_required_roles.is_empty());

    // clearing the list needs the mask
    let clear = pb::UpdateSecuritySettingsRequest { update_mask: mask(&["mfa_required_roles"]), ..Default::default() };
    let s = c.settings.update_security_settings(auth(clear, &token)).await.unwrap().into_inner();
    assert!(s.mfa_required_roles.is_empty());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_password_must_be_changed_at_sign_in() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;

    let bad = pb::UpdateSecuritySettingsRequest { password_max_age_days: 5000, ..Default::default() };
    let e = c.settings.update_security_settings(auth(bad, &token)).await.unwrap_err();
    assert_eq!(violations(&e), ["password_max_age_days"]);
    let upd = pb::UpdateSecuritySettingsRequest { password_max_age_days: 90, ..Default::default() };
    assert_eq!(
        c.settings.update_security_settings(auth(upd, &token)).await.unwrap().into_inner().password_max_age_days,
        90
    );

    // a password changed 89 days ago is fine, 91 days ago it has expired
    let age = |days: i32| {
        sqlx::query(
            "update identity.users set last_password_change_at = now() - make_interval(days => $1) \
                     where email = 'tech@demo.example'",
        )
        .bind(days)
    };
    age(89).execute(&mut db).await.unwrap();
    assert!(!login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().password_change_required);
    age(91).execute(&mut db).await.unwrap();
    let t = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(t.password_change_required && !t.mfa_setup_required);
    assert_eq!(who(&mut c, &t.access_token).await.unwrap().permissions, ["account.self"]);
    let e = c.users.list_users(auth(pb::ListUsersRequest::default(), &t.access_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    // refresh does not lift it; changing the password does
    let r = c.auth.refresh(pb::RefreshRequest { refresh_token: t.refresh_token }).await.unwrap().into_inner();
    assert!(r.password_change_required);
    let change = pb::ChangePasswordRequest { current_password: PW.into(), new_password: "amber-heron-4417".into() };
    c.auth.change_password(auth(change, &r.access_token)).await.unwrap();
    let r = c.auth.refresh(pb::RefreshRequest { refresh_token: r.refresh_token }).await.unwrap().into_inner();
    assert!(!r.password_change_required);
    assert!(who(&mut c, &r.access_token).await.unwrap().permissions.contains(&"tickets.write".to_owned()));
    let user = c
        .users
        .list_users(auth(
            pb::ListUsersRequest { filter: "email = \"tech@demo.example\"".into(), ..Default::default() },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .users
        .remove(0);
    assert!(user.last_login_time.is_some() && user.last_password_change_time.is_some());

    // 0 with the mask turns expiry off
    age(400).execute(&mut db).await.unwrap();
    let off = pb::UpdateSecuritySettingsRequest { update_mask: mask(&["password_max_age_days"]), ..Default::default() };
    assert_eq!(
        c.settings.update_security_settings(auth(off, &token)).await.unwrap().into_inner().password_max_age_days,
        0
    );
    assert!(!login(&mut c, "demo", "tech@demo.example", "amber-heron-4417").await.unwrap().password_change_required);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_active_admin_cannot_be_disabled_or_demoted() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;
    // a custom role with every permission (not an Admin) can change admins
    let all: Vec<String> = psa_core::permissions::ALL.iter().map(|p| (*p).to_owned()).collect();
    let root = c
        .roles
        .create_role(auth(
            pb::CreateRoleRequest { name: "Root".into(), description: String::new(), permissions: all },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let root_user = create_user(&mut c, &token, "root@demo.example", PW, &[root.id.as_str()]).await;
    let root_token = login(&mut c, "demo", "root@demo.example", PW).await.unwrap().access_token;
    let me = who(&mut c, &token).await.unwrap().user_id;

    let demote = |id: &str, roles: &[&str]| pb::UpdateUserRequest {
        id: id.into(),
        role_ids: roles.iter().map(|r| (*r).to_owned()).collect(),
        update_mask: mask(&["role_ids"]),
        ..Default::default()
    };
    let e = c.users.update_user(auth(demote(&me, &["technician"]), &token)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("last active Admin"), "{}", e.message());
    let e = c.users.disable_user(auth(pb::DisableUserRequest { id: me.clone() }, &root_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    // keeping admin among the roles is fine
    c.users.update_user(auth(demote(&me, &["admin", "technician"]), &token)).await.unwrap();

    // with a second active admin both changes go through
    c.users.update_user(auth(demote(&root_user.id, &[root.id.as_str(), "admin"]), &token)).await.unwrap();
    c.users.update_user(auth(demote(&me, &["technician"]), &token)).await.unwrap();
    let e = c.users.update_user(auth(demote(&root_user.id, &[root.id.as_str()]), &root_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "root is now the last admin");
    stack.stop().await;
}

//! Lockout after N failed sign-ins (tenant setting), timed and admin unlock, and answers that
//! never reveal whether an account exists or is locked.

use psa_proto::identity as pb;
use psa_testkit::Stack;
use sqlx::Executor as _;
use tonic::Code;

use crate::access::{admin_token, auth, clients, create_user, login};

const PW: &str = "violet-otter-93";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lockout_timed_and_admin_unlock_with_indistinguishable_answers() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;
    let user = create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    let mut db = stack.db().await;
    let defaults = c.settings.get_security_settings(auth(pb::GetSecuritySettingsRequest {}, &token)).await.unwrap();
    let d = defaults.into_inner();
    assert_eq!((d.lockout_threshold, d.lockout_minutes, d.password_min_length), (5, 15, 10));
    let bad = pb::UpdateSecuritySettingsRequest { lockout_threshold: 1000, lockout_minutes: -1, ..Default::default() };
    let e = c.settings.update_security_settings(auth(bad, &token)).await.unwrap_err();
    assert_eq!(crate::access::violations(&e), ["lockout_threshold", "lockout_minutes"]);
    let upd = pb::UpdateSecuritySettingsRequest { lockout_threshold: 3, ..Default::default() };
    let s = c.settings.update_security_settings(auth(upd, &token)).await.unwrap().into_inner();
    assert_eq!((s.lockout_threshold, s.lockout_minutes), (3, 15));

    let unknown = login(&mut c, "demo", "nobody@demo.example", PW).await.unwrap_err();
    let no_tenant = login(&mut c, "nope", "tech@demo.example", PW).await.unwrap_err();
    assert_eq!(unknown.code(), Code::Unauthenticated);
    assert_eq!(unknown.message(), no_tenant.message());
    for i in 1..=2 {
        let e = login(&mut c, "demo", "tech@demo.example", "wrong-password-x").await.unwrap_err();
        assert_eq!((e.code(), e.message()), (Code::Unauthenticated, unknown.message()));
        let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id.clone() }, &token)).await.unwrap().into_inner();
        assert_eq!((u.failed_login_attempts, u.locked), (i, false));
    }
    // a success resets the counter
    login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    for _ in 0..3 {
        login(&mut c, "demo", "tech@demo.example", "wrong-password-x").await.unwrap_err();
    }
    let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id.clone() }, &token)).await.unwrap().into_inner();
    assert_eq!((u.failed_login_attempts, u.locked), (3, true));
    let until = u.locked_until.unwrap().seconds - chrono::Utc::now().timestamp();
    assert!((14 * 60..=15 * 60).contains(&until), "locked for the default 15 minutes: {until}");
    // locked: the right password answers exactly like an unknown account
    let e = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::Unauthenticated, unknown.message()));

    // admin unlock
    let u =
        c.users.unlock_user(auth(pb::UnlockUserRequest { id: user.id.clone() }, &token)).await.unwrap().into_inner();
    assert_eq!((u.failed_login_attempts, u.locked), (0, false));
    login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id.clone() }, &token)).await.unwrap().into_inner();
    assert!(u.last_login_time.is_some());

    // timed unlock: once the lock has run out, the right password works again
    for _ in 0..3 {
        login(&mut c, "demo", "tech@demo.example", "wrong-password-x").await.unwrap_err();
    }
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.is_err());
    db.execute(
        "update identity.users set locked_until = now() - interval '1 second' where email = 'tech@demo.example'",
    )
    .await
    .unwrap();
    login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id }, &token)).await.unwrap().into_inner();
    assert_eq!((u.failed_login_attempts, u.locked), (0, false));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_change_policy_and_hash_upgrade() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    // a longer tenant minimum applies to new passwords
    let upd = pb::UpdateSecuritySettingsRequest {
        password_min_length: 16,
        update_mask: Some(prost_types::FieldMask { paths: vec!["password_min_length".into()] }),
        ..Default::default()
    };
    c.settings.update_security_settings(auth(upd, &token)).await.unwrap();
    let short = pb::CreateUserRequest {
        email: "new@demo.example".into(),
        display_name: String::new(),
        password: "violet-otter-9".into(),
        role_ids: vec!["technician".into()],
    };
    let e = c.users.create_user(auth(short, &token)).await.unwrap_err();
    assert_eq!(crate::access::violations(&e), ["password"]);

    let laptop = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    let phone = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    let change = |current: &str, new: &str| pb::ChangePasswordRequest {
        current_password: current.into(),
        new_password: new.into(),
    };
    let e =
        c.auth.change_password(auth(change("wrong-password-x", "granite-lake-71-north"), &laptop.access_token)).await;
    assert_eq!(crate::access::violations(&e.unwrap_err()), ["current_password"]);
    let e = c.auth.change_password(auth(change(PW, "Tech@Demo.example"), &laptop.access_token)).await.unwrap_err();
    assert_eq!(crate::access::violations(&e), ["new_password"]);
    c.auth.change_password(auth(change(PW, "granite-lake-71-north"), &laptop.access_token)).await.unwrap();
    // other sessions end, this one stays; the new password works, the old does not
    assert!(crate::access::who(&mut c, &laptop.access_token).await.is_ok());
    assert_eq!(crate::access::who(&mut c, &phone.access_token).await.unwrap_err().code(), Code::Unauthenticated);
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.is_err());
    login(&mut c, "demo", "tech@demo.example", "granite-lake-71-north").await.unwrap();
    let users = c.users.list_users(auth(pb::ListUsersRequest::default(), &token)).await.unwrap().into_inner().users;
    let tech = users.iter().find(|u| u.email == "tech@demo.example").unwrap();
    assert_eq!(tech.failed_login_attempts, 0, "the successful sign-in cleared the wrong current password");

    // a hash with old parameters is upgraded at the next successful sign-in
    let old = {
        use argon2::password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng};
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8192, 1, 1, None).unwrap(),
        );
        weak.hash_password(b"granite-lake-71-north", &SaltString::generate(&mut OsRng)).unwrap().to_string()
    };
    let mut db = stack.db().await;
    sqlx::query("update identity.users set password_hash = $1 where email = 'tech@demo.example'")
        .bind(&old)
        .execute(&mut db)
        .await
        .unwrap();
    login(&mut c, "demo", "tech@demo.example", "granite-lake-71-north").await.unwrap();
    let now: String = sqlx::query_scalar("select password_hash from identity.users where email = 'tech@demo.example'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(now != old && now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
    login(&mut c, "demo", "tech@demo.example", "granite-lake-71-north").await.unwrap();
    db.execute("select 1").await.unwrap();
    stack.stop().await;
}

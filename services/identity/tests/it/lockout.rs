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
    db.execute("update identity.tenants set lockout_threshold = 3 where slug = 'demo'").await.unwrap();

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

//! Users and roles: standard and custom roles, permissions as the union of roles, validation,
//! email uniqueness, password policy, anti-escalation, role deletion rules, disabling, and
//! tenant isolation.

use psa_proto::identity as pb;
use psa_testkit::Stack;
use tonic::Code;

use crate::access::{admin_token, auth, clients, create_user, login, violations, who};

const PW: &str = "violet-otter-93";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn roles_and_users_grant_the_union_of_permissions() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;

    let roles = c.roles.list_roles(auth(pb::ListRolesRequest {}, &token)).await.unwrap().into_inner().roles;
    let ids: Vec<_> = roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "super_admin",
            "admin",
            "manager",
            "technician",
            "dispatcher",
            "sales",
            "finance",
            "client_admin",
            "client_user"
        ]
    );
    assert!(roles.iter().all(|r| r.standard) && roles[8].portal && !roles[3].portal);

    let role = c
        .roles
        .create_role(auth(
            pb::CreateRoleRequest {
                name: "User manager".into(),
                description: "manages staff accounts".into(),
                permissions: vec!["users.write".into(), "users.read".into(), "users.read".into()],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(role.permissions, ["users.read", "users.write"]);
    assert!(!role.standard);
    // names are unique per tenant, case-insensitively; standard names are taken
    for name in ["user MANAGER", "Technician"] {
        let req = pb::CreateRoleRequest {
            name: name.into(),
            description: String::new(),
            permissions: vec!["tickets.read".into()],
        };
        let e = c.roles.create_role(auth(req, &token)).await.unwrap_err();
        assert!(matches!(e.code(), Code::AlreadyExists | Code::InvalidArgument), "{name}: {e:?}");
    }
    let bad =
        pb::CreateRoleRequest { name: "x".into(), description: String::new(), permissions: vec!["tickets.fly".into()] };
    let e = c.roles.create_role(auth(bad, &token)).await.unwrap_err();
    assert_eq!((e.code(), violations(&e)), (Code::InvalidArgument, vec!["permissions[0]".to_owned()]));

    let user = create_user(&mut c, &token, "Tech@Demo.example", PW, &["technician", &role.id]).await;
    assert_eq!(user.email, "Tech@Demo.example");
    let mut want = psa_core::permissions::Role::Technician.permission_names().to_vec();
    want.extend(["users.read", "users.write"]);
    want.sort();
    assert_eq!(user.permissions, want);
    assert_eq!(user.status, pb::UserStatus::Active as i32);
    assert!(user.last_password_change_time.is_some() && user.last_login_time.is_none());

    // the token carries the union
    let tech = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().access_token;
    let me = who(&mut c, &tech).await.unwrap();
    let mut perms = me.permissions.clone();
    perms.sort();
    assert_eq!(perms, want);

    // email unique per tenant (case-insensitive), validation is field by field
    let dup = pb::CreateUserRequest {
        email: "TECH@demo.example".into(),
        display_name: String::new(),
        password: PW.into(),
        role_ids: vec!["technician".into()],
    };
    assert_eq!(c.users.create_user(auth(dup, &token)).await.unwrap_err().code(), Code::AlreadyExists);
    let bad = pb::CreateUserRequest {
        email: "not-an-email".into(),
        display_name: String::new(),
        password: "Password123".into(),
        role_ids: vec!["client_user".into(), "wizard".into()],
    };
    let e = c.users.create_user(auth(bad, &token)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violations(&e), ["email", "password", "role_ids[0]", "role_ids[1]"]);
    let users = c.users.list_users(auth(pb::ListUsersRequest::default(), &token)).await.unwrap().into_inner().users;
    assert_eq!(users.len(), 2, "nothing half-written");

    // the user manager cannot hand out or touch more than they hold
    let escalate = pb::CreateUserRequest {
        email: "boss@demo.example".into(),
        display_name: String::new(),
        password: PW.into(),
        role_ids: vec!["admin".into()],
    };
    assert_eq!(c.users.create_user(auth(escalate, &tech)).await.unwrap_err().code(), Code::PermissionDenied);
    let admin_id = users.iter().find(|u| u.email == admin.email).unwrap().id.clone();
    let e = c.users.disable_user(auth(pb::DisableUserRequest { id: admin_id.clone() }, &tech)).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    // nor create roles (no roles.write)
    let r = pb::CreateRoleRequest {
        name: "y".into(),
        description: String::new(),
        permissions: vec!["tickets.read".into()],
    };
    assert_eq!(c.roles.create_role(auth(r, &tech)).await.unwrap_err().code(), Code::PermissionDenied);

    // standard roles are read-only; an assigned custom role cannot be deleted
    let upd = pb::UpdateRoleRequest { id: "technician".into(), name: "Tech".into(), ..Default::default() };
    assert_eq!(c.roles.update_role(auth(upd, &token)).await.unwrap_err().code(), Code::FailedPrecondition);
    let del = pb::DeleteRoleRequest { id: role.id.clone() };
    assert_eq!(c.roles.delete_role(auth(del.clone(), &token)).await.unwrap_err().code(), Code::FailedPrecondition);

    // changing the role's permissions changes the next token
    let upd = pb::UpdateRoleRequest {
        id: role.id.clone(),
        permissions: vec!["users.read".into()],
        update_mask: Some(prost_types::FieldMask { paths: vec!["permissions".into()] }),
        ..Default::default()
    };
    let updated = c.roles.update_role(auth(upd, &token)).await.unwrap().into_inner();
    assert_eq!(
        (updated.name.as_str(), updated.permissions.as_slice()),
        ("User manager", &["users.read".to_owned()][..])
    );
    let tech2 = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().access_token;
    assert!(!who(&mut c, &tech2).await.unwrap().permissions.contains(&"users.write".to_owned()));

    // reassign, then the role can go
    let upd = pb::UpdateUserRequest {
        id: user.id.clone(),
        role_ids: vec!["dispatcher".into()],
        display_name: "Dee Spatcher".into(),
        ..Default::default()
    };
    let u = c.users.update_user(auth(upd, &token)).await.unwrap().into_inner();
    assert_eq!((u.role_ids.as_slice(), u.display_name.as_str()), (&["dispatcher".to_owned()][..], "Dee Spatcher"));
    c.roles.delete_role(auth(del.clone(), &token)).await.unwrap();
    assert_eq!(c.roles.delete_role(auth(del, &token)).await.unwrap_err().code(), Code::NotFound);

    // password change by an admin: policy applies, the new one works
    let weak = pb::UpdateUserRequest { id: user.id.clone(), password: "qwertyuiop".into(), ..Default::default() };
    let e = c.users.update_user(auth(weak, &token)).await.unwrap_err();
    assert_eq!(violations(&e), ["password"]);
    let pw = pb::UpdateUserRequest { id: user.id.clone(), password: "granite-lake-71".into(), ..Default::default() };
    c.users.update_user(auth(pw, &token)).await.unwrap();
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.is_err());
    let pair = login(&mut c, "demo", "tech@demo.example", "granite-lake-71").await.unwrap();

    // disabling: cannot disable yourself; a disabled user's sessions die and sign-in fails
    let me = who(&mut c, &token).await.unwrap();
    let e = c.users.disable_user(auth(pb::DisableUserRequest { id: me.user_id }, &token)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    let d = c.users.disable_user(auth(pb::DisableUserRequest { id: user.id.clone() }, &token)).await.unwrap();
    assert_eq!(d.into_inner().status, pb::UserStatus::Disabled as i32);
    assert_eq!(who(&mut c, &pair.access_token).await.unwrap_err().code(), Code::Unauthenticated);
    assert!(login(&mut c, "demo", "tech@demo.example", "granite-lake-71").await.is_err());
    let list = |filter: &str, page_size: i32, page_token: &str| pb::ListUsersRequest {
        filter: filter.into(),
        page_size,
        page_token: page_token.into(),
        order_by: String::new(),
    };
    let disabled = c.users.list_users(auth(list("status = USER_STATUS_DISABLED", 0, ""), &token)).await.unwrap();
    assert_eq!(disabled.into_inner().users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), [user.id.as_str()]);
    let page1 = c.users.list_users(auth(list("", 1, ""), &token)).await.unwrap().into_inner();
    assert_eq!((page1.users[0].email.as_str(), page1.next_page_token.is_empty()), (admin.email.as_str(), false));
    let page2 = c.users.list_users(auth(list("", 1, &page1.next_page_token), &token)).await.unwrap().into_inner();
    assert_eq!((page2.users[0].email.as_str(), page2.next_page_token.as_str()), ("Tech@Demo.example", ""));
    let found = c.users.list_users(auth(list("email:\"TECH@\"", 0, ""), &token)).await.unwrap().into_inner();
    assert_eq!(found.users.len(), 1);
    let e = c.users.list_users(auth(list("password = x", 0, ""), &token)).await.unwrap_err();
    assert_eq!(violations(&e), ["filter"]);
    c.users.enable_user(auth(pb::EnableUserRequest { id: user.id.clone() }, &token)).await.unwrap();
    assert!(login(&mut c, "demo", "tech@demo.example", "granite-lake-71").await.is_ok());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_tenant_cannot_see_or_change_users_and_roles() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("alpha").await;
    let b = stack.create_tenant("bravo").await;
    let mut c = clients(&stack).await;
    let ta = admin_token(&mut c, &a).await;
    let tb = admin_token(&mut c, &b).await;
    let user = create_user(&mut c, &ta, "tech@alpha.example", PW, &["technician"]).await;
    let role = c
        .roles
        .create_role(auth(
            pb::CreateRoleRequest {
                name: "Alpha only".into(),
                description: String::new(),
                permissions: vec!["tickets.read".into()],
            },
            &ta,
        ))
        .await
        .unwrap()
        .into_inner();

    let users = c.users.list_users(auth(pb::ListUsersRequest::default(), &tb)).await.unwrap().into_inner().users;
    assert_eq!(users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), [b.email.as_str()]);
    let roles = c.roles.list_roles(auth(pb::ListRolesRequest {}, &tb)).await.unwrap().into_inner().roles;
    assert!(roles.iter().all(|r| r.standard));
    let id = user.id.clone();
    assert_eq!(
        c.users.get_user(auth(pb::GetUserRequest { id: id.clone() }, &tb)).await.unwrap_err().code(),
        Code::NotFound
    );
    let upd = pb::UpdateUserRequest { id: id.clone(), display_name: "pwned".into(), ..Default::default() };
    assert_eq!(c.users.update_user(auth(upd, &tb)).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(
        c.users.disable_user(auth(pb::DisableUserRequest { id: id.clone() }, &tb)).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        c.users.unlock_user(auth(pb::UnlockUserRequest { id: id.clone() }, &tb)).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        c.roles.get_role(auth(pb::GetRoleRequest { id: role.id.clone() }, &tb)).await.unwrap_err().code(),
        Code::NotFound
    );
    let upd = pb::UpdateRoleRequest { id: role.id.clone(), name: "pwned".into(), ..Default::default() };
    assert_eq!(c.roles.update_role(auth(upd, &tb)).await.unwrap_err().code(), Code::NotFound);
    let del = pb::DeleteRoleRequest { id: role.id.clone() };
    assert_eq!(c.roles.delete_role(auth(del, &tb)).await.unwrap_err().code(), Code::NotFound);
    // B cannot assign A's custom role either
    let upd = pb::UpdateUserRequest { id: String::new(), role_ids: vec![role.id.clone()], ..Default::default() };
    let b_admin = users[0].id.clone();
    let e = c.users.update_user(auth(pb::UpdateUserRequest { id: b_admin, ..upd }, &tb)).await.unwrap_err();
    assert_eq!(violations(&e), ["role_ids[0]"]);
    // unchanged in A
    let u = c.users.get_user(auth(pb::GetUserRequest { id }, &ta)).await.unwrap().into_inner();
    assert_eq!((u.display_name.as_str(), u.status), ("Test User", pb::UserStatus::Active as i32));
    let r = c.roles.get_role(auth(pb::GetRoleRequest { id: role.id }, &ta)).await.unwrap().into_inner();
    assert_eq!(r.name, "Alpha only");
    stack.stop().await;
}

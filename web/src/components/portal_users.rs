//! A company's portal users: list, invite a contact, change the role, disable/enable, resend
//! the invitation. Used by the Client Admin's portal page and the staff company page.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, PortalUser};
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::field::{Field, bind_select};
use crate::format::{datetime, enum_label};
use crate::hooks::use_fetch;

/// Props of [`PortalUsersPanel`].
#[derive(Properties, PartialEq)]
pub struct PortalUsersPanelProps {
    /// The company whose portal users are shown.
    pub company_id: AttrValue,
    /// The signed-in user's id (their own row has no actions).
    #[prop_or_default]
    pub self_id: AttrValue,
}

const CLIENT_ADMIN: &str = "PORTAL_ROLE_CLIENT_ADMIN";
const CLIENT_USER: &str = "PORTAL_ROLE_CLIENT_USER";

/// The panel.
#[function_component(PortalUsersPanel)]
pub fn portal_users_panel(props: &PortalUsersPanelProps) -> Html {
    let reload = use_state(|| 0u32);
    let company = props.company_id.to_string();
    let users =
        use_fetch(
            (company.clone(), *reload),
            |(id, _): (String, u32)| async move { api::list_portal_users(&id).await },
        );
    let contacts = use_fetch(company.clone(), |id: String| async move { api::list_contacts(&id).await });
    let contact = use_state(String::new);
    let role = use_state(|| CLIENT_USER.to_string());
    let error = use_state(|| None::<ApiError>);
    let notice = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let run = {
        let (reload, error, notice, busy) = (reload.clone(), error.clone(), notice.clone(), busy.clone());
        move |action: std::pin::Pin<Box<dyn std::future::Future<Output = api::ApiResult<PortalUser>>>>, done: String| {
            let (reload, error, notice, busy) = (reload.clone(), error.clone(), notice.clone(), busy.clone());
            busy.set(true);
            error.set(None);
            notice.set(None);
            spawn_local(async move {
                let result = action.await;
                busy.set(false);
                match result {
                    Ok(_) => notice.set(Some(done)),
                    Err(e) => error.set(Some(e)),
                }
                reload.set(*reload + 1);
            });
        }
    };

    let invite = {
        let (company, contact, role, error, run) =
            (company.clone(), contact.clone(), role.clone(), error.clone(), run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if contact.is_empty() {
                error.set(Some(ApiError { detail: "Choose the contact to invite.".into(), ..ApiError::default() }));
                return;
            }
            let (company, contact, role) = (company.clone(), (*contact).clone(), (*role).clone());
            run(
                Box::pin(async move { api::invite_portal_user(&company, &contact, &role).await }),
                "Invitation sent.".into(),
            );
        })
    };

    let row = |u: &PortalUser| {
        let id = u.id.clone();
        let own = u.id == props.self_id.as_str();
        let other_role = if u.role == CLIENT_ADMIN { CLIENT_USER } else { CLIENT_ADMIN };
        let set_role = {
            let (run, id) = (run.clone(), id.clone());
            Callback::from(move |_| {
                let id = id.clone();
                run(Box::pin(async move { api::set_portal_role(&id, other_role).await }), "Role changed.".into());
            })
        };
        let action = |verb: &'static str, done: &'static str| {
            let (run, id) = (run.clone(), id.clone());
            Callback::from(move |_| {
                let id = id.clone();
                run(Box::pin(async move { api::portal_user_action(&id, verb).await }), done.into());
            })
        };
        let name = if u.display_name.is_empty() { u.email.clone() } else { u.display_name.clone() };
        html! {
            <tr data-testid="portal-user-row" data-email={u.email.clone()}>
                <td class="cell-strong">{ name }</td>
                <td>{ &u.email }</td>
                <td><Badge kind="portal-role" value={u.role.clone()} /></td>
                <td>
                    <Badge kind="portal-status" value={u.status.clone()} />
                    if !u.invitation_expire_time.is_empty() {
                        <span class="muted small">{ format!(" until {}", datetime(&u.invitation_expire_time)) }</span>
                    }
                </td>
                <td class="cell-actions">
                    if !own {
                        <button type="button" class="btn btn-ghost btn-small" data-testid="portal-user-role"
                            disabled={*busy} onclick={set_role}>
                            { format!("Make {}", enum_label(other_role)) }
                        </button>
                        if u.status == "PORTAL_USER_STATUS_DISABLED" {
                            <button type="button" class="btn btn-ghost btn-small" data-testid="portal-user-enable"
                                disabled={*busy} onclick={action("enable", "User enabled.")}>{ "Enable" }</button>
                        } else {
                            <button type="button" class="btn btn-ghost btn-small" data-testid="portal-user-disable"
                                disabled={*busy} onclick={action("disable", "User disabled.")}>{ "Disable" }</button>
                        }
                        if u.status == "PORTAL_USER_STATUS_INVITED" {
                            <button type="button" class="btn btn-ghost btn-small" data-testid="portal-user-resend"
                                disabled={*busy} onclick={action("resendInvitation", "Invitation sent again.")}>
                                { "Resend invitation" }
                            </button>
                        }
                    }
                </td>
            </tr>
        }
    };
    let body = match &users.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <Empty title="No portal users yet" hint="Invite a contact: they get a link by mail to set their password." />
        },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="portal-users-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Email" }</th><th>{ "Role" }</th><th>{ "Status" }</th><th></th>
                    </tr></thead>
                    <tbody>{ for list.iter().map(row) }</tbody>
                </table>
            </div>
        },
    };
    let invited: Vec<String> = match &users.result {
        Some(Ok(list)) => list.iter().map(|u| u.contact_id.clone()).collect(),
        _ => Vec::new(),
    };
    let options = match &contacts.result {
        Some(Ok(page)) => page
            .contacts
            .iter()
            .filter(|c| !c.email.is_empty() && !invited.contains(&c.id))
            .map(|c| html! { <option value={c.id.clone()}>{ format!("{} <{}>", c.full_name(), c.email) }</option> })
            .collect::<Html>(),
        _ => Html::default(),
    };
    html! {
        <section class="card" id="portal-users">
            <div class="card-header"><h2>{ "Portal users" }</h2></div>
            if let Some(err) = &*error {
                <div class="alert alert-error" role="alert" id="portal-users-error">{ err.message() }</div>
            }
            if let Some(n) = &*notice {
                <div class="alert alert-success" role="status" id="portal-users-notice">{ n }</div>
            }
            { body }
            <form class="form-inline" id="portal-invite-form" onsubmit={invite} novalidate=true>
                <Field label="Contact" id="portal-invite-contact">
                    <select id="portal-invite-contact" onchange={bind_select(&contact)}>
                        <option value="" selected={contact.is_empty()}>{ "Choose a contact with an email…" }</option>
                        { options }
                    </select>
                </Field>
                <Field label="Role" id="portal-invite-role">
                    <select id="portal-invite-role" onchange={bind_select(&role)}>
                        <option value={CLIENT_USER} selected={*role == CLIENT_USER}>{ "Client User" }</option>
                        <option value={CLIENT_ADMIN} selected={*role == CLIENT_ADMIN}>{ "Client Admin" }</option>
                    </select>
                </Field>
                <button type="submit" class="btn btn-primary" id="portal-invite-submit" disabled={*busy}>
                    { "Invite" }
                </button>
            </form>
        </section>
    }
}

//! Sign-in page.

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, LoginRequest, Me, TokenPair};
use crate::auth;
use crate::components::field::{Field, bind};
use crate::hooks::use_fetch;

/// `key=value&…` pairs of a query string or fragment, percent-decoded.
fn pairs(s: &str) -> Vec<(String, String)> {
    let dec = |v: &str| js_sys::decode_uri_component(&v.replace('+', " ")).map(String::from).unwrap_or_default();
    s.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (dec(k), dec(v))).collect()
}

/// What the SSO callback left in the address: tokens in the fragment, or `?sso_error=`. The
/// address is cleaned so neither stays in history.
fn sso_result() -> Option<Result<TokenPair, String>> {
    let location = web_sys::window()?.location();
    let hash = location.hash().ok().unwrap_or_default();
    let search = location.search().ok().unwrap_or_default();
    let found = if let Some(f) = hash.strip_prefix('#').filter(|f| f.contains("access_token=")) {
        let p = pairs(f);
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        Some(Ok(TokenPair {
            access_token: get("access_token"),
            refresh_token: get("refresh_token"),
            expires_in: get("expires_in").parse().unwrap_or(0),
            token_type: "Bearer".into(),
            mfa_setup_required: get("mfa_setup_required") == "true",
            ..TokenPair::default()
        }))
    } else {
        let p = pairs(search.trim_start_matches('?'));
        p.into_iter().find(|(k, _)| k == "sso_error").map(|(_, v)| Err(v))
    };
    if found.is_some()
        && let Ok(history) = web_sys::window()?.history()
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/login"));
    }
    found
}

/// localStorage key remembering the last tenant slug used.
const TENANT_KEY: &str = "psa.tenant";

/// Props of [`LoginPage`].
#[derive(Properties, PartialEq)]
pub struct LoginPageProps {
    /// Called with the user once signed in (tokens are stored by then).
    pub on_signed_in: Callback<Me>,
}

/// Tenant slug (default `demo`), email and password; then, for users with MFA, a second step
/// asking for the authenticator's 6-digit code or a recovery code.
#[function_component(LoginPage)]
pub fn login_page(props: &LoginPageProps) -> Html {
    let tenant = use_state(|| {
        LocalStorage::get::<String>(TENANT_KEY).ok().filter(|t| !t.is_empty()).unwrap_or_else(|| "demo".into())
    });
    let email = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    // Set when the password was right and a TOTP code is needed.
    let challenge = use_state(|| None::<String>);
    let code = use_state(String::new);
    // Set (to the old password) when the password was right but has expired.
    let expired = use_state(|| None::<String>);
    let new_password = use_state(String::new);
    // Sign in with a directory (LDAP) account instead of the local password.
    let directory = use_state(|| false);

    // Back from single sign-on: store the tokens, or show why it was refused.
    {
        let (error, on_signed_in) = (error.clone(), props.on_signed_in.clone());
        use_effect_with((), move |_| match sso_result() {
            Some(Ok(pair)) => {
                auth::store(&pair);
                spawn_local(async move {
                    match api::me().await {
                        Ok(me) => on_signed_in.emit(me),
                        Err(e) => error.set(Some(e)),
                    }
                });
            }
            Some(Err(reason)) => error.set(Some(ApiError { detail: reason, ..ApiError::default() })),
            None => {}
        });
    }

    let onsubmit = {
        let (tenant, email, password) = (tenant.clone(), email.clone(), password.clone());
        let (busy, error, on_signed_in) = (busy.clone(), error.clone(), props.on_signed_in.clone());
        let (challenge, code) = (challenge.clone(), code.clone());
        let (expired, new_password, directory) = (expired.clone(), new_password.clone(), directory.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if let Some(old) = (*expired).clone() {
                busy.set(true);
                error.set(None);
                let (busy, error, on_signed_in) = (busy.clone(), error.clone(), on_signed_in.clone());
                let (new_value, tenant_value) = ((*new_password).clone(), tenant.trim().to_string());
                spawn_local(async move {
                    let result = async {
                        api::change_password(&old, &new_value).await?;
                        auth::refresh().await;
                        api::me().await
                    }
                    .await;
                    busy.set(false);
                    match result {
                        Ok(me) => {
                            let _ = LocalStorage::set(TENANT_KEY, &tenant_value);
                            on_signed_in.emit(me);
                        }
                        Err(err) => error.set(Some(err)),
                    }
                });
                return;
            }
            if let Some(pending) = (*challenge).clone() {
                busy.set(true);
                error.set(None);
                let (busy, error, on_signed_in, challenge) =
                    (busy.clone(), error.clone(), on_signed_in.clone(), challenge.clone());
                let (code_value, tenant_value) = ((*code).clone(), tenant.trim().to_string());
                spawn_local(async move {
                    let result = async {
                        let pair = api::login_mfa(&pending, &code_value).await?;
                        auth::store(&pair);
                        api::me().await
                    }
                    .await;
                    busy.set(false);
                    match result {
                        Ok(me) => {
                            let _ = LocalStorage::set(TENANT_KEY, &tenant_value);
                            on_signed_in.emit(me);
                        }
                        Err(mut err) => {
                            auth::clear();
                            if err.status == 401 {
                                err.detail =
                                    "That code is not right or has expired. Sign in again if it keeps failing.".into();
                            }
                            if err.status == 401 && code_value.trim().is_empty() {
                                challenge.set(None);
                            }
                            error.set(Some(err));
                        }
                    }
                });
                return;
            }
            let request = LoginRequest {
                tenant: tenant.trim().to_string(),
                email: email.trim().to_string(),
                password: (*password).clone(),
            };
            if request.tenant.is_empty() || request.email.is_empty() || request.password.is_empty() {
                error.set(Some(ApiError {
                    detail: "Enter your organisation, email and password.".into(),
                    ..ApiError::default()
                }));
                return;
            }
            busy.set(true);
            error.set(None);
            let (busy, error, on_signed_in, challenge) =
                (busy.clone(), error.clone(), on_signed_in.clone(), challenge.clone());
            let expired = expired.clone();
            let ldap = *directory;
            spawn_local(async move {
                let result = async {
                    let pair = if ldap {
                        api::login_ldap(&request.tenant, &request.email, &request.password).await?
                    } else {
                        api::login(&request).await?
                    };
                    if pair.mfa_required {
                        return Ok(Err(Some(pair.mfa_challenge)));
                    }
                    auth::store(&pair);
                    if pair.password_change_required {
                        return Ok(Err(None));
                    }
                    api::me().await.map(Ok)
                }
                .await;
                busy.set(false);
                match result {
                    Ok(Err(Some(pending))) => challenge.set(Some(pending)),
                    Ok(Err(None)) => expired.set(Some(request.password.clone())),
                    Ok(Ok(me)) => {
                        let _ = LocalStorage::set(TENANT_KEY, &request.tenant);
                        on_signed_in.emit(me);
                    }
                    Err(mut err) => {
                        auth::clear();
                        if err.status == 401 && !ldap {
                            err.detail = "The organisation, email or password is not right.".into();
                        }
                        error.set(Some(err));
                    }
                }
            });
        })
    };

    html! {
        <div class="login-screen">
            <form class="login-card" id="login-form" {onsubmit} novalidate=true>
                <div class="login-brand">
                    <span class="brand-mark brand-mark-lg">{ "P" }</span>
                    <div>
                        <h1>{ "Sign in" }</h1>
                        <p class="muted">{ "Professional services automation" }</p>
                    </div>
                </div>
                if let Some(err) = &*error {
                    <div class="alert alert-error" role="alert" id="login-error">{ err.message() }</div>
                }
                if expired.is_some() {
                    <p class="muted" id="login-password-expired">{ "Your password has expired. Choose a new one to continue." }</p>
                    <Field label="New password" id="login-new-password">
                        <input id="login-new-password" type="password" autocomplete="new-password" autofocus=true
                            value={(*new_password).clone()} oninput={bind(&new_password)} />
                    </Field>
                    <button type="submit" class="btn btn-primary btn-block" id="login-change-password" disabled={*busy}>
                        { if *busy { "Saving…" } else { "Change password and sign in" } }
                    </button>
                } else if challenge.is_some() {
                    <p class="muted">{ "Enter the 6-digit code from your authenticator app, or a recovery code." }</p>
                    <Field label="Authentication code" id="login-mfa-code">
                        <input id="login-mfa-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                            autofocus=true value={(*code).clone()} oninput={bind(&code)} />
                    </Field>
                    <button type="submit" class="btn btn-primary btn-block" id="login-mfa-submit" disabled={*busy}>
                        { if *busy { "Verifying…" } else { "Verify" } }
                    </button>
                } else {
                <Field label="Organisation" id="login-tenant">
                    <input id="login-tenant" type="text" autocomplete="organization" autocapitalize="none"
                        spellcheck="false" value={(*tenant).clone()} oninput={bind(&tenant)} />
                </Field>
                <Field label={if *directory { "Directory username" } else { "Email" }} id="login-email">
                    <input id="login-email" type={if *directory { "text" } else { "email" }} autocomplete="username" autofocus=true
                        value={(*email).clone()} oninput={bind(&email)} />
                </Field>
                <Field label="Password" id="login-password">
                    <input id="login-password" type="password" autocomplete="current-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </Field>
                <button type="submit" class="btn btn-primary btn-block" id="login-submit" disabled={*busy}>
                    { if *busy { "Signing in…" } else { "Sign in" } }
                </button>
                <button type="button" class="btn btn-ghost btn-block" id="login-directory-toggle"
                    onclick={{ let d = directory.clone(); Callback::from(move |_| d.set(!*d)) }}>
                    { if *directory { "Use email and password" } else { "Use a directory (LDAP) account" } }
                </button>
                <SsoButtons tenant={tenant.trim().to_string()} />
                <p class="muted small"><a href="/forgot-password" id="login-forgot">{ "Forgot your password?" }</a></p>
                }
            </form>
        </div>
    }
}

/// Props of [`SsoButtons`].
#[derive(Properties, PartialEq)]
struct SsoButtonsProps {
    tenant: String,
}

/// "Sign in with <provider>" links for the tenant's enabled SSO providers. A component of its
/// own, so that loading them re-renders only the buttons, never the form being typed into.
#[function_component(SsoButtons)]
fn sso_buttons(props: &SsoButtonsProps) -> Html {
    let providers = use_fetch(props.tenant.clone(), |t: String| async move {
        if t.is_empty() { Ok(Vec::new()) } else { api::sign_in_providers(&t).await }
    });
    let Some(Ok(list)) = &providers.result else { return html! {} };
    if list.is_empty() {
        return html! {};
    }
    html! {
        <div class="login-sso" id="login-sso">
            { for list.iter().map(|p| html! {
                <a class="btn btn-block sso-button" data-provider={p.name.clone()}
                    href={api::sso_start_url(&props.tenant, &p.name)}>
                    { format!("Sign in with {}", p.display_name) }
                </a>
            }) }
        </div>
    }
}

//! Sign-in page.

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, LoginRequest, Me};
use crate::auth;
use crate::components::field::{Field, bind};

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

    let onsubmit = {
        let (tenant, email, password) = (tenant.clone(), email.clone(), password.clone());
        let (busy, error, on_signed_in) = (busy.clone(), error.clone(), props.on_signed_in.clone());
        let (challenge, code) = (challenge.clone(), code.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
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
            spawn_local(async move {
                let result = async {
                    let pair = api::login(&request).await?;
                    if pair.mfa_required {
                        return Ok(Err(pair.mfa_challenge));
                    }
                    auth::store(&pair);
                    api::me().await.map(Ok)
                }
                .await;
                busy.set(false);
                match result {
                    Ok(Err(pending)) => challenge.set(Some(pending)),
                    Ok(Ok(me)) => {
                        let _ = LocalStorage::set(TENANT_KEY, &request.tenant);
                        on_signed_in.emit(me);
                    }
                    Err(mut err) => {
                        auth::clear();
                        if err.status == 401 {
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
                if challenge.is_some() {
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
                <Field label="Email" id="login-email">
                    <input id="login-email" type="email" autocomplete="username" autofocus=true
                        value={(*email).clone()} oninput={bind(&email)} />
                </Field>
                <Field label="Password" id="login-password">
                    <input id="login-password" type="password" autocomplete="current-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </Field>
                <button type="submit" class="btn btn-primary btn-block" id="login-submit" disabled={*busy}>
                    { if *busy { "Signing in…" } else { "Sign in" } }
                </button>
                <p class="muted small"><a href="/forgot-password" id="login-forgot">{ "Forgot your password?" }</a></p>
                }
            </form>
        </div>
    }
}

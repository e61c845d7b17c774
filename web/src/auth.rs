//! Token storage (localStorage) and refresh-token rotation.
//!
//! Access tokens are short-lived EdDSA JWTs; refresh tokens are opaque and rotated on every
//! use (presenting an already-rotated one revokes the whole session). So refreshing is
//! *single-flight*: concurrent callers share one `POST /api/v1/auth/refresh`, and the new pair
//! is stored before anyone retries.

use std::cell::RefCell;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use yew::Callback;

use crate::api::{self, TokenPair};

/// localStorage key holding the serialized [`Tokens`].
const STORAGE_KEY: &str = "psa.auth";

/// Refresh proactively when the access token expires within this many milliseconds.
const REFRESH_MARGIN_MS: f64 = 30_000.0;

/// The signed-in session's tokens as kept in localStorage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// Bearer token for `Authorization`.
    pub access_token: String,
    /// Opaque refresh token; replaced on every refresh.
    pub refresh_token: String,
    /// When the access token expires, in milliseconds since the Unix epoch (browser clock).
    pub expires_at_ms: f64,
}

impl Tokens {
    /// Builds the stored form of a token pair just received from the API.
    pub fn from_pair(pair: &TokenPair) -> Self {
        let lifetime_s = if pair.expires_in > 0 { pair.expires_in } else { 900 };
        Self {
            access_token: pair.access_token.clone(),
            refresh_token: pair.refresh_token.clone(),
            expires_at_ms: js_sys::Date::now() + lifetime_s as f64 * 1000.0,
        }
    }

    fn expires_soon(&self) -> bool {
        js_sys::Date::now() + REFRESH_MARGIN_MS >= self.expires_at_ms
    }
}

/// The stored tokens, if any.
pub fn load() -> Option<Tokens> {
    LocalStorage::get(STORAGE_KEY).ok()
}

/// Stores a new token pair (after login or refresh).
pub fn store(pair: &TokenPair) {
    // Storage can fail (private mode, quota); the session then lasts only as long as the page.
    let _ = LocalStorage::set(STORAGE_KEY, Tokens::from_pair(pair));
    MEMORY.with(|m| *m.borrow_mut() = Some(Tokens::from_pair(pair)));
}

/// Forgets the tokens (sign-out or a dead session).
pub fn clear() {
    LocalStorage::delete(STORAGE_KEY);
    MEMORY.with(|m| *m.borrow_mut() = None);
}

/// The current access token, if signed in.
pub fn access_token() -> Option<String> {
    current().map(|t| t.access_token)
}

fn current() -> Option<Tokens> {
    // localStorage first, so a refresh done by another tab is picked up.
    load().or_else(|| MEMORY.with(|m| m.borrow().clone()))
}

thread_local! {
    /// Fallback copy for browsers where localStorage is unavailable.
    static MEMORY: RefCell<Option<Tokens>> = const { RefCell::new(None) };
    /// The refresh in flight, shared by everyone who needs it.
    static REFRESHING: RefCell<Option<Shared<LocalBoxFuture<'static, bool>>>> =
        const { RefCell::new(None) };
    /// Called when the session is gone for good (the app then shows the login page).
    static ON_EXPIRED: RefCell<Option<Callback<()>>> = const { RefCell::new(None) };
}

/// Registers what to do when the session cannot be renewed.
pub fn set_on_expired(callback: Callback<()>) {
    ON_EXPIRED.with(|c| *c.borrow_mut() = Some(callback));
}

/// Drops the tokens and tells the app the session has ended.
pub fn expire() {
    clear();
    let callback = ON_EXPIRED.with(|c| c.borrow().clone());
    if let Some(callback) = callback {
        callback.emit(());
    }
}

/// Refreshes first when the access token is about to expire. Failure is left to the request
/// itself (it will get a 401 and go through [`refresh`] again).
pub async fn ensure_fresh() {
    if current().is_some_and(|t| t.expires_soon()) {
        refresh().await;
    }
}

/// Rotates the refresh token; true when a new access token is stored. Concurrent calls share
/// one request.
pub async fn refresh() -> bool {
    let fut = REFRESHING.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(fut) = slot.as_ref() {
            return fut.clone();
        }
        let fut = do_refresh().boxed_local().shared();
        *slot = Some(fut.clone());
        fut
    });
    fut.await
}

async fn do_refresh() -> bool {
    let ok = match current() {
        None => false,
        Some(before) => match api::refresh(&before.refresh_token).await {
            Ok(pair) => {
                store(&pair);
                true
            }
            // Another tab may have rotated the token meanwhile: its new pair is then usable.
            Err(_) => current().is_some_and(|now| now.access_token != before.access_token),
        },
    };
    REFRESHING.with(|slot| *slot.borrow_mut() = None);
    ok
}

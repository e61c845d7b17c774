//! Data-loading hook shared by the pages.

use std::future::Future;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{ApiError, ApiResult};

/// What a page has loaded so far. While reloading, the previous result stays visible.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetch<T> {
    /// A request is in flight.
    pub loading: bool,
    /// The last answer; `None` before the first one.
    pub result: Option<ApiResult<T>>,
}

impl<T> Fetch<T> {
    /// A loaded value (e.g. after a successful update returned the new state).
    pub fn ready(value: T) -> Self {
        Self { loading: false, result: Some(Ok(value)) }
    }
}

/// Runs `fetch(deps)` on mount and whenever `deps` change; answers to superseded requests are
/// dropped. Put a reload counter in `deps` to refetch on demand.
#[hook]
pub fn use_fetch<T, D, F, Fut>(deps: D, fetch: F) -> UseStateHandle<Fetch<T>>
where
    T: Clone + 'static,
    D: PartialEq + Clone + 'static,
    F: FnOnce(D) -> Fut + 'static,
    Fut: Future<Output = ApiResult<T>> + 'static,
{
    let state = use_state(|| Fetch { loading: true, result: None });
    let generation = use_mut_ref(|| 0u64);
    {
        let state = state.clone();
        use_effect_with(deps, move |deps| {
            *generation.borrow_mut() += 1;
            let mine = *generation.borrow();
            state.set(Fetch { loading: true, result: state.result.clone() });
            let fut = fetch(deps.clone());
            spawn_local(async move {
                let result = fut.await;
                if *generation.borrow() == mine {
                    state.set(Fetch { loading: false, result: Some(result) });
                }
            });
        });
    }
    state
}

/// Runs `call` and then `on_change`, or stores the error; `busy` guards double submits.
pub fn submit<F, T>(
    busy: &UseStateHandle<bool>,
    error: &UseStateHandle<Option<ApiError>>,
    on_change: &Callback<()>,
    call: F,
) where
    F: std::future::Future<Output = Result<T, ApiError>> + 'static,
{
    if **busy {
        return;
    }
    busy.set(true);
    error.set(None);
    let (busy, error, on_change) = (busy.clone(), error.clone(), on_change.clone());
    spawn_local(async move {
        match call.await {
            Ok(_) => on_change.emit(()),
            Err(e) => error.set(Some(e)),
        }
        busy.set(false);
    });
}

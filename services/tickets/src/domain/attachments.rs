//! Rules for files users attach to tickets: those of every attachment, shared with the
//! contracts service's company attachments in [`psa_kit::attachments`] (size limit, a safe
//! file name, the type check with `infer`; executables and script files are refused).

pub use psa_kit::attachments::{Checked, DEFAULT_MAX_BYTES, check};

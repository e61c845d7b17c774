//! [`text_enum!`](crate::text_enum): enums stored as lower-case text in SQL (and checked
//! there), with `as_str`, case-insensitive `parse`, `ALL` and `NAMES`.

/// Declares a `Copy` enum whose variants map to lower-case names:
/// `text_enum!(/// docs
///  Status { Open => "open", Closed => "closed" });`
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every stored name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];
            /// The stored (lower-case) name.
            pub fn as_str(self) -> &'static str { match self { $(Self::$variant => $s),+ } }
            /// Parses a stored name, case-insensitively, ignoring surrounding space.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim().to_ascii_lowercase();
                match s.as_str() { $($s => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

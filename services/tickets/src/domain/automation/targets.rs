//! Which addresses automation webhooks may call. By default only public (globally routable)
//! unicast addresses: never loopback, private (RFC 1918, IPv6 unique-local), link-local
//! (including cloud metadata at 169.254.169.254), CGNAT shared space, unspecified, multicast,
//! broadcast, documentation, benchmarking or reserved ranges, and the same ranges behind
//! IPv4-mapped / IPv4-compatible IPv6 addresses. Installs that call internal systems set
//! `PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE`.

use std::net::IpAddr;
use std::sync::LazyLock;

use ipnet::IpNet;

/// Special-purpose ranges (IANA registries) that std's stable `is_*` checks do not cover.
static SPECIAL: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",      // "this network" (RFC 791)
        "100.64.0.0/10",  // shared address space, CGNAT (RFC 6598)
        "192.0.0.0/24",   // IETF protocol assignments (RFC 6890)
        "198.18.0.0/15",  // benchmarking (RFC 2544)
        "240.0.0.0/4",    // reserved (RFC 1112)
        "64:ff9b:1::/48", // local-use IPv4/IPv6 translation (RFC 8215)
        "100::/64",       // discard-only (RFC 6666)
        "2001:db8::/32",  // documentation (RFC 3849)
        "fec0::/10",      // deprecated site-local (RFC 3879)
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect()
});

/// Whether `ip` is a public unicast address a webhook may call without
/// `PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE` (see the module docs for what is refused).
pub fn is_public(ip: IpAddr) -> bool {
    let ip = match ip {
        // ::ffff:10.0.0.1 and ::10.0.0.1 reach the IPv4 address.
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .or_else(|| v6.to_ipv4().filter(|_| !v6.is_loopback() && !v6.is_unspecified()))
            .map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    };
    let special = match ip {
        IpAddr::V4(v4) => {
            v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
        }
        IpAddr::V6(v6) => {
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
        }
    };
    !special && !SPECIAL.iter().any(|n| n.contains(&ip))
}

/// Why a webhook to `ip` is refused, for run and delivery errors and field violations.
pub fn refusal(ip: IpAddr) -> String {
    format!(
        "{ip} is a private, loopback, link-local or reserved address; webhooks may only call public \
         addresses unless PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE is set"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_pass() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "192.0.2.10",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(blocked.parse().unwrap()), "{blocked} must be refused");
        }
        for allowed in ["93.184.215.14", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed} must be allowed");
        }
        assert!(refusal("127.0.0.1".parse().unwrap()).contains("PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE"));
    }
}

//! The client's address: the peer's, or, when the peer is a trusted proxy, the right-most hop of
//! `X-Forwarded-For` that is not a trusted proxy itself. It feeds the engine's allowed networks
//! and keys login throttling.
//!
//! Hops are read from the right, the nearest first, and the walk stops at the first hop that is
//! not a trusted proxy, whether it can be read or not: what lies to its left was written by the
//! client and is never believed. A hop with a port (`198.51.100.7:4711`, `[2001:db8::7]:4711`)
//! or brackets is the address it names; a hop that names no address (`unknown`, an obfuscated
//! identifier such as `_hidden`, anything else) is a client whose address is unknown, from which
//! no role limited to allowed networks is active.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use access::IpNet;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// The request's client address; `None` when a trusted proxy forwarded a hop that names no
/// address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// `user`'s principal for a request from `address`; from an unknown address, only the roles
/// without allowed networks apply (as for an outbound webhook, which has no address either).
pub fn principal(
    config: &access::AccountConfig,
    user: &access::User,
    address: Option<IpAddr>,
) -> access::Principal {
    match address {
        Some(a) => access::Principal::resolve(config, user, a),
        None => access::Principal::resolve_unaddressed(config, user),
    }
}

/// An address as written in the audit log and explanations: the address, or `unknown`.
pub fn shown(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    proxies.iter().any(|n| n.contains(ip))
}

fn port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The address one hop of `X-Forwarded-For` names: `198.51.100.7`, `198.51.100.7:4711`,
/// `2001:db8::7`, `[2001:db8::7]` or `[2001:db8::7]:4711`; `None` for anything else.
pub fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Some(rest) = hop.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(port)) {
            return None;
        }
        return inside.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    // IPv4 with a port (an IPv6 address with a port is always in brackets).
    let (address, p) = hop.split_once(':')?;
    port(p)
        .then(|| address.parse::<Ipv4Addr>().ok().map(IpAddr::V4))
        .flatten()
}

/// The client address for a peer and its `X-Forwarded-For` header values.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], proxies: &[IpNet]) -> Option<IpAddr> {
    if !trusted(proxies, peer) {
        return Some(peer);
    }
    // Walk from the right: the nearest hop first; stop at the first that is not a trusted
    // proxy, readable or not. Every hop trusted: the left-most is the client.
    let mut client = peer;
    for hop in forwarded_for.iter().flat_map(|v| v.split(',')).rev() {
        let address = hop_address(hop)?;
        client = address;
        if !trusted(proxies, address) {
            break;
        }
    }
    Some(client)
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| ApiError::internal(&"the server was started without connection info"))?;
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientAddr(client_address(
            peer,
            &forwarded,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_honoured_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = ip("10.0.0.2").unwrap();
        assert_eq!(
            client_address(ip("203.0.113.9").unwrap(), &["1.2.3.4"], &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(client_address(peer, &["1.2.3.4"], &proxies), ip("1.2.3.4"));
        assert_eq!(
            client_address(peer, &["6.6.6.6, 1.2.3.4, 10.0.0.7"], &proxies),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_address(peer, &["6.6.6.6", "1.2.3.4, 10.0.0.7"], &proxies),
            ip("1.2.3.4"),
            "several header lines are one list"
        );
        assert_eq!(client_address(peer, &[], &proxies), ip("10.0.0.2"));
        assert_eq!(
            client_address(peer, &["10.0.0.9, 10.0.0.7"], &proxies),
            ip("10.0.0.9"),
            "every hop a proxy: the left-most"
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2").unwrap(), &["1.2.3.4"], &proxies),
            ip("1.2.3.4")
        );
    }

    /// The attack suite's shapes: the right-most hop that is not a trusted proxy is the client,
    /// read through its port or brackets, and unknown when it names no address; what the client
    /// wrote to its left is never used.
    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop_readable_or_not() {
        let proxies: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        let peer = ip("127.0.0.1").unwrap();
        let cases = [
            ("10.20.0.1, 198.51.100.7:4711", ip("198.51.100.7")),
            ("10.20.0.1, [2001:db8::7]:4711", ip("2001:db8::7")),
            ("10.20.0.1, [2001:db8::7]", ip("2001:db8::7")),
            ("10.20.0.1, unknown", None),
            ("10.20.0.1, _hidden", None),
            ("10.20.0.1, garbage", None),
            ("10.20.0.1, ", None),
            ("10.20.0.1, 198.51.100.7:port", None),
            ("10.20.0.1, 198.51.100.7:4711:1", None),
            ("10.20.0.1, [2001:db8::7]x", None),
            ("10.20.0.1, [10.20.0.1]", None),
            ("10.20.0.1, 2001:db8::7:4711", ip("2001:db8::7:4711")),
            ("10.20.0.1, unknown, 127.0.0.1", None),
            ("10.20.0.1, 127.0.0.1:80", ip("10.20.0.1")),
            ("unknown, 198.51.100.7", ip("198.51.100.7")),
            ("garbage", None),
        ];
        for (header, expected) in cases {
            assert_eq!(
                client_address(peer, &[header], &proxies),
                expected,
                "{header}"
            );
        }
        // From a peer that is no trusted proxy, the header is not read at all.
        assert_eq!(
            client_address(ip("203.0.113.9").unwrap(), &["unknown"], &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(shown(None), "unknown");
        assert_eq!(shown(ip("10.0.0.1")), "10.0.0.1");
    }
}

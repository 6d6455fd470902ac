//! The client's address: the peer's, or, when the peer is a trusted proxy, the last address of
//! `X-Forwarded-For` that is not a trusted proxy itself. It feeds the engine's allowed networks.

use std::net::{IpAddr, SocketAddr};

use access::IpNet;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

/// The request's client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    proxies.iter().any(|n| n.contains(ip))
}

/// The client address for a peer and its `X-Forwarded-For` header values.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], proxies: &[IpNet]) -> IpAddr {
    if !trusted(proxies, peer) {
        return peer;
    }
    // Walk from the right: the nearest hop first; stop at the first untrusted address.
    let hops: Vec<IpAddr> = forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted(proxies, hop) {
            break;
        }
    }
    client
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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_honoured_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_address(ip("203.0.113.9"), &["1.2.3.4"], &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["1.2.3.4"], &proxies),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["6.6.6.6, 1.2.3.4, 10.0.0.7"], &proxies),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &[], &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["garbage"], &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &["1.2.3.4"], &proxies),
            ip("1.2.3.4")
        );
    }
}

//! Egress: every request the server makes on a tenant's behalf (replies and media through the
//! Graph API, the proof that a channel's token may use its number, outbound webhooks, the files
//! a generic channel's integration names by URL) goes through [`Egress`], one HTTP client under
//! one [`EgressPolicy`].
//!
//! A tenant's administrator or integration chooses where these requests go (a webhook's URL, a
//! channel's `graph_base_url`, a file's URL), so without a policy they reach what only the
//! server can reach: the machine itself, the database next to it, the cloud's metadata service
//! with its credentials, the office network. The policy:
//!
//! - **Only public addresses.** [`internal`] names every range refused and why. The address is
//!   checked where the connection is made: host names are resolved by the client's own resolver
//!   ([`Resolver`]), which drops every refused address, so the address checked is the address
//!   connected to (no window for a DNS answer that changes between a check and the connection);
//!   IP literals, which the client connects to without resolving, are checked before the request
//!   is built ([`EgressPolicy::check`]). The URL is parsed once (WHATWG rules, which read
//!   `2130706433`, `0x7f000001` and `127.1` as `127.0.0.1`) and that parsed URL is what is sent.
//! - **No redirects** (a `POST` answered `302` would become an internal `GET`), **no proxy from
//!   the environment** (the proxy would resolve the name, past the check).
//! - **`https` only**, except for targets the operator lists in `outbound_allow`.
//! - **One answer for "refused" and "unreachable"**: callers show [`UNREACHABLE`] for both, so a
//!   tenant cannot tell a refused address from a closed port; the operator's log says which.
//!
//! `outbound_allow` (CIDRs and host names) opens exceptions: an address inside a listed network,
//! or any address of a listed host name, is allowed, also over plain `http`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use access::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Method, RequestBuilder, Response, Url};

/// What a tenant is told when no answer came: the same for an address the policy refuses and
/// for a host that did not answer.
pub const UNREACHABLE: &str = "no connection could be made (the host did not answer, or its address is not one Atende sends to)";

/// One entry of `outbound_allow`: a network (`10.0.0.0/8`, `127.0.0.1`) or a host name
/// (`crm.intranet.example`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// Addresses inside this network are allowed.
    Net(IpNet),
    /// This host name (lower case, no trailing dot) is allowed whatever it resolves to.
    Host(String),
}

impl FromStr for Allowed {
    type Err = String;

    fn from_str(s: &str) -> Result<Allowed, String> {
        let s = s.trim();
        if s.contains(['/', ':']) || s.parse::<IpAddr>().is_ok() {
            return s.parse().map(Allowed::Net).map_err(|e| format!("{e}"));
        }
        let host = s.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(format!(
                "'{s}' is neither a network nor a host name: write a CIDR such as 10.0.0.0/8, an address such as 192.168.1.20, or a host name such as crm.intranet.example"
            ));
        }
        Ok(Allowed::Host(host))
    }
}

/// Where outbound requests may go. The default allows public addresses over `https` only.
#[derive(Clone, Debug, Default)]
pub struct EgressPolicy {
    allow: Vec<Allowed>,
}

/// Why a URL is refused before any request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an `http(s)://` URL with a host.
    Malformed,
    /// An IP literal in a refused range, not allowed by `outbound_allow`.
    Internal,
    /// `http://` to a target `outbound_allow` does not list.
    PlainHttp,
}

impl EgressPolicy {
    /// A policy with these exceptions.
    pub fn new(allow: Vec<Allowed>) -> EgressPolicy {
        EgressPolicy { allow }
    }

    /// Whether a listed network holds `ip`.
    fn listed_ip(&self, ip: IpAddr) -> bool {
        self.allow
            .iter()
            .any(|a| matches!(a, Allowed::Net(n) if n.contains(ip)))
    }

    /// Whether `host` is a listed host name.
    fn listed_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.allow
            .iter()
            .any(|a| matches!(a, Allowed::Host(h) if h.eq_ignore_ascii_case(host)))
    }

    /// Whether a connection to `ip` is allowed: a public address, or one a listed network holds.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        internal(ip).is_none() || self.listed_ip(ip)
    }

    /// Parses `raw` and checks what can be checked without resolving: the scheme, an IP
    /// literal's range, `http` only for listed targets. Host names are checked when resolved.
    pub fn check(&self, raw: &str) -> Result<Url, Refusal> {
        let url = Url::parse(raw.trim()).map_err(|_| Refusal::Malformed)?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(Refusal::Malformed)?;
        // What the client will do with the host: connect to it directly if it reads as an
        // address (brackets of IPv6 removed), resolve it otherwise.
        let listed = match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) if !self.allows_ip(ip) => return Err(Refusal::Internal),
            Ok(ip) => self.listed_ip(ip),
            Err(_) => self.listed_host(host),
        };
        match url.scheme() {
            "https" => Ok(url),
            "http" if listed => Ok(url),
            "http" => Err(Refusal::PlainHttp),
            _ => Err(Refusal::Malformed),
        }
    }
}

/// Why an address is not one Atende connects to on a tenant's behalf; `None` for a public
/// address.
pub fn internal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "0.0.0.0/8, \"this network\": 0.0.0.0 reaches the machine itself",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => {
            "private network (10/8, 172.16/12, 192.168/16): the installation's own network"
        }
        (100, 64..=127, _) => "100.64.0.0/10, carrier-grade NAT: a provider's internal network",
        (127, _, _) => "127.0.0.0/8, loopback: the machine itself and its local services",
        (169, 254, _) => {
            "169.254.0.0/16, link-local: cloud metadata services (169.254.169.254) and their credentials"
        }
        (192, 0, 0) => "192.0.0.0/24, IETF protocol assignments",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation (TEST-NET)",
        (192, 88, 99) => "192.88.99.0/24, 6to4 relay anycast",
        (198, 18..=19, _) => "198.18.0.0/15, benchmarking",
        (224..=239, _, _) => "224.0.0.0/4, multicast",
        (240..=255, _, _) => "240.0.0.0/4, reserved, and 255.255.255.255, broadcast",
        _ => return None,
    })
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

/// IPv6: only global unicast (`2000::/3`) and NAT64 of a public IPv4 address are public.
/// Everything else is refused: `::` (unspecified), `::1` (loopback), `::ffff:0:0/96`
/// (IPv4-mapped: `[::ffff:127.0.0.1]` is loopback written another way) and the rest of `::/8`,
/// `fc00::/7` (unique local), `fe80::/10` (link-local), `ff00::/8` (multicast).
fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let seg = |i: usize| s.get(i).copied().unwrap_or_default();
    if s.starts_with(&[0x64, 0xff9b, 0, 0, 0, 0]) {
        return internal_v4(embedded_v4(seg(6), seg(7)))
            .map(|_| "64:ff9b::/96, NAT64 of an internal IPv4 address");
    }
    let first = seg(0);
    if first & 0xe000 != 0x2000 {
        return Some(if ip.is_unspecified() {
            "::, unspecified: reaches the machine itself"
        } else if ip.is_loopback() {
            "::1, loopback: the machine itself"
        } else if ip.to_ipv4_mapped().is_some() {
            "::ffff:0:0/96, IPv4-mapped: an IPv4 address written as IPv6"
        } else if first & 0xfe00 == 0xfc00 {
            "fc00::/7, unique local: a private network"
        } else if first & 0xffc0 == 0xfe80 {
            "fe80::/10, link-local"
        } else if first & 0xff00 == 0xff00 {
            "ff00::/8, multicast"
        } else {
            "outside 2000::/3, the global unicast space"
        });
    }
    match (first, seg(1)) {
        // 6to4: 2002:AABB:CCDD::/48 is the IPv4 address AA.BB.CC.DD.
        (0x2002, _) => internal_v4(embedded_v4(seg(1), seg(2)))
            .map(|_| "2002::/16, 6to4 of an internal IPv4 address"),
        (0x2001, 0..=0x01ff) => {
            Some("2001::/23, IETF protocol assignments (Teredo embeds an IPv4 address)")
        }
        (0x2001, 0x0db8) | (0x3fff, 0..=0x0fff) => Some("documentation"),
        _ => None,
    }
}

/// The client's resolver: resolves with the system's resolver and keeps only the addresses the
/// policy allows (every address of a listed host name). None left: the connection fails as an
/// unreachable host does.
#[derive(Debug)]
pub struct Resolver {
    policy: Arc<EgressPolicy>,
}

/// The error of a name whose every address was refused (in the operator's log through
/// [`Egress::send`]).
#[derive(Debug, thiserror::Error)]
#[error("every address of `{0}` is internal and not in outbound_allow: refused")]
pub struct RefusedName(String);

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let trusted = policy.listed_host(&host);
            let kept: Vec<SocketAddr> = found
                .filter(|a| trusted || policy.allows_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(RefusedName(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The one HTTP client for requests made on a tenant's behalf.
#[derive(Clone, Debug)]
pub struct Egress {
    policy: Arc<EgressPolicy>,
    http: reqwest::Client,
}

/// No answer: the target was refused by the policy, or did not answer (no connection, TLS,
/// timeout). Shown to tenants as [`UNREACHABLE`]; the cause goes to the operator's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreachable;

impl Egress {
    /// The client: TLS with the Mozilla roots, 15-second timeout per request (callers may set
    /// a shorter one), 5 seconds to connect, no redirects, no proxy, the checking resolver.
    pub fn new(policy: EgressPolicy) -> Result<Egress, String> {
        let policy = Arc::new(policy);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("atende/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(Resolver {
                policy: Arc::clone(&policy),
            }))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Egress { policy, http })
    }

    /// The policy.
    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// A request to `url`, if the policy allows its scheme and literal address (a host name is
    /// checked when resolved).
    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder, Unreachable> {
        match self.policy.check(url) {
            Ok(u) => Ok(self.http.request(method, u)),
            Err(r) => {
                let host = Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
                tracing::warn!(
                    host,
                    reason = ?r,
                    "outbound request refused: outbound_allow opens exceptions"
                );
                Err(Unreachable)
            }
        }
    }

    /// Sends a request made by [`Egress::request`]; a failure before any answer is logged with
    /// its cause (never the URL, which may hold a token) and answered [`Unreachable`].
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, Unreachable> {
        request.send().await.map_err(|e| {
            let host = e
                .url()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let e = e.without_url();
            let mut cause = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause.push_str(&format!(": {s}"));
                source = s.source();
            }
            tracing::warn!(host, cause, "outbound request got no answer");
            Unreachable
        })
    }
}

/// The first `limit` bytes of an answer's body (the rest is not read).
pub async fn body_prefix(mut answer: Response, limit: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while out.len() < limit {
        match answer.chunk().await? {
            Some(chunk) => out.extend_from_slice(&chunk),
            None => break,
        }
    }
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
#[path = "egress_tests.rs"]
mod tests;

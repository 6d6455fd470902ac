//! Allowed networks: CIDR blocks a role may be restricted to (Opa!'s "Redes permitidas").

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 or IPv6 network in CIDR notation, such as `10.0.0.0/8` or `2001:db8::/32`.
///
/// A bare address is a single host (`/32` or `/128`). IPv4 addresses written as IPv4-mapped IPv6
/// (`::ffff:10.1.2.3`) match IPv4 networks, so a dual-stack listener sees the same rules.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a network could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
    /// Not an address, nor an address followed by `/prefix`.
    #[error(
        "'{0}' is not a network: write an address with a prefix length, such as 10.0.0.0/8 or 2001:db8::/32"
    )]
    Syntax(String),
    /// The prefix is longer than the address.
    #[error("'{input}' has prefix /{prefix}, longer than the {max} bits of the address")]
    PrefixTooLong {
        /// What was written.
        input: String,
        /// The prefix given.
        prefix: u32,
        /// 32 or 128.
        max: u8,
    },
    /// Bits are set after the prefix, so the network is ambiguous.
    #[error("'{input}' has bits set after the prefix /{prefix}: did you mean {suggestion}?")]
    HostBitsSet {
        /// What was written.
        input: String,
        /// The prefix given.
        prefix: u8,
        /// The network with the host bits cleared.
        suggestion: String,
    },
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        IpAddr::V4(_) => ip,
    }
}

fn mask_v4(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

fn mask_v6(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

impl IpNet {
    /// The network's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is inside the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = mask_v4(self.prefix);
                u32::from(ip) & m == u32::from(net) & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = mask_v6(self.prefix);
                u128::from(ip) & m == u128::from(net) & m
            }
            // One family never contains the other (IPv4-mapped addresses were made IPv4 above).
            (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let syntax = || IpNetError::Syntax(input.to_owned());
        let (addr_part, prefix_part) = match input.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (input, None),
        };
        let addr: IpAddr = addr_part.trim().parse().map_err(|_| syntax())?;
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_part {
            None => max,
            Some(p) => {
                let p = p.trim();
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(syntax());
                }
                let value: u32 = p.parse().map_err(|_| syntax())?;
                if value > u32::from(max) {
                    return Err(IpNetError::PrefixTooLong {
                        input: input.to_owned(),
                        prefix: value,
                        max,
                    });
                }
                u8::try_from(value).map_err(|_| syntax())?
            }
        };
        // Normalise an IPv4-mapped IPv6 network (::ffff:10.0.0.0/104) to IPv4.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        let masked = match addr {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask_v4(prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask_v6(prefix))),
        };
        if masked != addr {
            return Err(IpNetError::HostBitsSet {
                input: input.to_owned(),
                prefix,
                suggestion: format!("{masked}/{prefix}"),
            });
        }
        Ok(IpNet { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl fmt::Debug for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[rstest]
    #[case("10.0.0.0/8", "10.255.1.2", true)]
    #[case("10.0.0.0/8", "11.0.0.1", false)]
    #[case("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    #[case("192.168.1.7", "192.168.1.7", true)]
    #[case("192.168.1.7", "192.168.1.8", false)]
    #[case("0.0.0.0/0", "203.0.113.9", true)]
    #[case("0.0.0.0/0", "2001:db8::1", false)]
    #[case("2001:db8::/32", "2001:db8:ffff::1", true)]
    #[case("2001:db8::/32", "2001:db9::1", false)]
    #[case("::/0", "::1", true)]
    #[case("::ffff:10.0.0.0/104", "10.9.9.9", true)]
    #[case("::ffff:10.0.0.0/104", "11.9.9.9", false)]
    fn contains(#[case] net: &str, #[case] addr: &str, #[case] inside: bool) {
        let net: IpNet = net.parse().unwrap();
        assert_eq!(net.contains(ip(addr)), inside, "{net} contains {addr}");
    }

    #[rstest]
    #[case("10.0.0.1/8", "did you mean 10.0.0.0/8?")]
    #[case("10.0.0.0/33", "longer than the 32 bits")]
    #[case("10.0.0/8", "is not a network")]
    #[case("10.0.0.0/", "is not a network")]
    #[case("10.0.0.0/-1", "is not a network")]
    #[case("office", "is not a network")]
    #[case("2001:db8::1/32", "did you mean 2001:db8::/32?")]
    fn rejects(#[case] input: &str, #[case] message: &str) {
        let err = input.parse::<IpNet>().unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
    }
}

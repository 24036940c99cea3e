//! The client's address: the peer's, or from X-Forwarded-For when the peer is a proxy we
//! trust (HEDGEROW_TRUSTED_PROXIES). Anyone can send that header, so it is believed only there.

use std::{net::IpAddr, str::FromStr};

/// A list of addresses and CIDR blocks, e.g. `127.0.0.1, 10.0.0.0/8, fd00::/8`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        let blocks = list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (address, prefix) = item.split_once('/').unwrap_or((item, ""));
                let address: IpAddr = address
                    .parse()
                    .map_err(|_| format!("{item:?} is not an IP address"))?;
                let max = if address.is_ipv4() { 32 } else { 128 };
                let prefix = if prefix.is_empty() {
                    max
                } else {
                    prefix
                        .parse()
                        .map_err(|_| format!("{item:?} has a bad prefix"))?
                };
                if prefix > max {
                    return Err(format!("{item:?} has a prefix over /{max}"));
                }
                Ok((address, prefix))
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies(blocks))
    }
}

impl TrustedProxies {
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0
            .iter()
            .any(|&(block, prefix)| match (canonical(block), address) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    masked(u32::from(a).into(), prefix, 32)
                        == masked(u32::from(b).into(), prefix, 32)
                }
                (IpAddr::V6(a), IpAddr::V6(b)) => {
                    masked(a.into(), prefix, 128) == masked(b.into(), prefix, 128)
                }
                _ => false,
            })
    }

    /// The client address of a request from `peer` carrying `forwarded_for`: walking the
    /// header from the right, the first address that is not a trusted proxy.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let Some(header) = forwarded_for else {
            return peer;
        };
        let mut client = peer;
        for hop in header.rsplit(',').map(str::trim) {
            match hop.parse::<IpAddr>() {
                Ok(address) => {
                    client = canonical(address);
                    if !self.contains(client) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, 127.0.0.1".parse().unwrap();
        let xff = Some("6.6.6.6, 198.51.100.7, 10.1.2.3");
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), xff), ip("198.51.100.7"));
    }

    #[test]
    fn no_proxies_are_trusted_by_default() {
        let proxies: TrustedProxies = "".parse().unwrap();
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), Some("1.2.3.4")),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.example".parse::<TrustedProxies>().is_err());
    }
}

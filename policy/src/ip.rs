//! IPv4/IPv6 CIDR containment for IpAddress/NotIpAddress.

use std::net::IpAddr;

fn bits(ip: IpAddr) -> (u128, u32) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

/// Is `ip` inside `cidr` (a bare address means a single host)? Malformed input never matches.
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, len) = match cidr.trim().split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().ok()),
        None => (cidr.trim(), None),
    };
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    let ((n, width), (a, awidth)) = (bits(net), bits(ip));
    if width != awidth {
        return false;
    }
    let len = len.unwrap_or(width);
    if len > width {
        return false;
    }
    let shift = width - len;
    if shift >= 128 {
        return true;
    }
    (n >> shift) == (a >> shift)
}

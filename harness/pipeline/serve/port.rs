//! Choosing the port a server is told to listen on.
//!
//! A port found free by binding port 0 comes from the kernel's ephemeral range, where every
//! other `bind(0)` and outgoing connection draws too: between choosing it and the server
//! binding it, another server's helper (a front's upstream, wrangler's own ports) can take
//! it and answer in the server's place. Seen in the mutant matrix: a front came up "ready"
//! on a port its upstream then lost, and died under the first request. So the harness hands
//! out ports from a band just below the ephemeral range that nothing else draws from, in
//! turn, so that a port comes back only after the whole band has been handed out.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicU32, Ordering};

/// How many ports the band holds.
const BAND: u32 = 8192;
/// The ephemeral range's lower end when the kernel does not say (Linux's default).
const DEFAULT_EPHEMERAL_LOW: u32 = 32768;

/// How many ports this process has handed out or tried.
static HANDED_OUT: AtomicU32 = AtomicU32::new(0);

/// Where this process starts in the band: a place of its own, so that two harnesses at
/// once rarely walk the same ports.
fn own_offset() -> u32 {
    std::process::id().wrapping_mul(2_654_435_761) % BAND
}

/// The lowest port of the band: the `BAND` ports below the kernel's ephemeral range.
fn band_start() -> u32 {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(DEFAULT_EPHEMERAL_LOW);
    // A kernel whose ephemeral range starts this low leaves no room below it: take the
    // top of the port space, which the kernel draws from too (the race is then only rarer).
    if low >= 1024 + BAND {
        low - BAND
    } else {
        65535 - BAND
    }
}

/// A port on 127.0.0.1 that was free a moment ago and that this process has not handed
/// out since the band last wrapped.
pub(crate) fn free_port() -> std::io::Result<u16> {
    let start = band_start();
    for _ in 0..BAND {
        let offset = (own_offset() + HANDED_OUT.fetch_add(1, Ordering::Relaxed)) % BAND;
        let port = (start + offset) as u16;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    // Every port of the band is taken: fall back on the kernel's choice.
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_from_outside_the_ephemeral_range_and_do_not_repeat() {
        let ports: Vec<u16> = (0..200).map(|_| free_port().unwrap()).collect();
        let unique: std::collections::BTreeSet<_> = ports.iter().collect();
        assert_eq!(unique.len(), ports.len(), "a port came back: {ports:?}");
        let start = band_start();
        assert!(
            ports
                .iter()
                .all(|&p| (start..start + BAND).contains(&u32::from(p))),
            "{ports:?}"
        );
    }
}

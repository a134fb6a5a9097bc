//! The serving program's own transport errors (`serve.transport_errors`): an answer that
//! shows one is the runner's failure, not the adapter's, and is sent once more.

use std::path::Path;

use crate::pipeline::request::http::{self, HttpError};

use super::Target;

pub(super) fn log_len(log: &Path) -> u64 {
    std::fs::metadata(log).map_or(0, |m| m.len())
}

/// The transport error a 5xx or a dropped connection shows, in the body or in the log lines
/// written since `log_before`, when it is one of the profile's `transport_errors`. The
/// runner may log it just after answering (wrangler does), so the log is read again for up
/// to a second. A request with no answer in time (a hung server) is never one.
pub(super) fn transport_error(
    target: &Target,
    log_before: u64,
    answer: &Result<http::Exchange, HttpError>,
) -> Option<String> {
    if target.transport_errors.is_empty() {
        return None;
    }
    let listed = |line: &&str| {
        target
            .transport_errors
            .iter()
            .any(|e| line.contains(e.as_str()))
    };
    match answer {
        Ok(answer) if answer.status < 500 => return None,
        Ok(answer) => {
            if let Some(line) = answer.text().lines().find(listed) {
                return Some(line.trim().to_string());
            }
        }
        Err(HttpError::Timeout { .. }) => return None,
        Err(HttpError::Failed { .. }) => {}
    }
    for _ in 0..10 {
        let log = std::fs::read(target.server_log).unwrap_or_default();
        let new_lines = String::from_utf8_lossy(log.get(log_before as usize..).unwrap_or_default());
        if let Some(line) = new_lines.lines().find(listed) {
            return Some(line.trim().to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

//! The `http/...` checks: one request case sent to the built server.

use std::path::{Path, PathBuf};

use crate::pipeline::build::process;
use crate::pipeline::request::case::{PathFrom, PathFromError, RequestCase};
use crate::pipeline::request::expect;
use crate::pipeline::request::http::{self, Request};

/// Where a request case is sent.
pub struct Target<'a> {
    /// The base URL that answers, e.g. `http://127.0.0.1:4321`.
    pub base: String,
    /// The log of the server behind it, shown with failures.
    pub server_log: &'a Path,
    /// The build's client output dir, for `built_file`.
    pub client_dir: Option<PathBuf>,
    /// Time bound and body cap of each exchange.
    pub limits: http::Limits,
}

/// A request check that failed: what was sent, what went wrong, and the server's log.
#[derive(Debug, thiserror::Error)]
#[error(
    "{exchange}:\n  {}\nlast lines of the server log ({}):\n{tail}",
    problems.join("\n  "),
    log.display()
)]
pub struct RequestFailure {
    /// `METHOD path`.
    pub exchange: String,
    /// One line per failed expectation (or the exchange's error).
    pub problems: Vec<String>,
    /// The server log.
    pub log: PathBuf,
    /// Its last lines.
    pub tail: String,
}

impl Target<'_> {
    fn failure(&self, exchange: String, problems: Vec<String>) -> RequestFailure {
        RequestFailure {
            exchange,
            problems,
            log: self.server_log.to_path_buf(),
            tail: process::log_tail(self.server_log, process::LOG_TAIL_LINES),
        }
    }
}

/// Sends one request case to `target` and checks the response; the error lists every
/// failed assertion, then the tail of the server log.
pub fn run_request(case: &RequestCase, target: &Target) -> Result<(), RequestFailure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            target.failure(
                case.name.clone(),
                vec![format!("cannot start the HTTP runtime: {e}")],
            )
        })?;
    let client = http::client();
    let base = &target.base;
    let send = |req: &Request| runtime.block_on(http::send(&client, base, req, target.limits));
    let path = match (&case.path, &case.path_from) {
        (Some(path), _) => path.clone(),
        (None, Some(from)) => path_from_page(from, &send)
            .map_err(|e| target.failure(format!("GET {}", from.page), vec![e.to_string()]))?,
        (None, None) => {
            let problem = format!("request `{}` has no path", case.name);
            return Err(target.failure(case.name.clone(), vec![problem]));
        }
    };
    let request = case.request(base, &path);
    let with_log = |failures: Vec<String>| {
        target.failure(format!("{} {}", request.method, request.path), failures)
    };
    let first = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
    let mut failures = expect::check(&case.expect, &first);
    if case.expect.varies.is_some() || case.expect.built_file.is_some() {
        let second = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
        failures.extend(check_twice(case, target, &first, &second));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(with_log(failures))
    }
}

/// `varies` and `built_file`: what two identical requests must have in common (or not).
fn check_twice(
    case: &RequestCase,
    target: &Target,
    first: &http::Exchange,
    second: &http::Exchange,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(varies) = case.expect.varies
        && (first.body() != second.body()) != varies
    {
        failures.push(if varies {
            "per request: two identical requests got the same body; expected content rendered per request".to_string()
        } else {
            "per request: two identical requests got different bodies".to_string()
        });
    }
    let Some(file) = &case.expect.built_file else {
        return failures;
    };
    let path = target
        .client_dir
        .clone()
        .unwrap_or_default()
        .join(file.trim_start_matches('/'));
    match std::fs::read(&path) {
        Err(e) => failures.push(format!("built once: cannot read {}: {e}", path.display())),
        Ok(bytes) => {
            for (which, ex) in [("first", first), ("second", second)] {
                if ex.body() != bytes {
                    failures.push(format!(
                        "built once: the {which} response ({} bytes) is not the built file {file} ({} bytes)",
                        ex.body().len(),
                        bytes.len()
                    ));
                }
            }
        }
    }
    failures
}

/// Fetches `from.page` and reads the path out of it.
fn path_from_page(
    from: &PathFrom,
    send: &dyn Fn(&Request) -> Result<http::Exchange, http::HttpError>,
) -> Result<String, PathFromError> {
    let page = send(&Request::get(&from.page))?;
    if page.status != 200 {
        return Err(PathFromError::Status {
            status: page.status,
            reason: page.reason,
        });
    }
    from.find(&page.text())
}

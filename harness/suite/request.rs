//! The `http/...` checks: one request case sent to the built server.

use std::path::{Path, PathBuf};

use crate::pipeline::request::case::{PathFrom, RequestCase};
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

impl Target<'_> {
    fn with_log(&self, message: String) -> String {
        format!(
            "{message}\nlast lines of the server log ({}):\n{}",
            self.server_log.display(),
            crate::pipeline::build::process::log_tail(
                self.server_log,
                crate::pipeline::build::process::LOG_TAIL_LINES
            )
        )
    }
}

/// Sends one request case to `target` and checks the response; the error lists every
/// failed assertion, then the tail of the server log.
pub fn run_request(case: &RequestCase, target: &Target) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    let client = http::client();
    let base = &target.base;
    let send = |req: &Request| runtime.block_on(http::send(&client, base, req, target.limits));
    let path = match (&case.path, &case.path_from) {
        (Some(path), _) => path.clone(),
        (None, Some(from)) => path_from_page(from, &send)
            .map_err(|e| target.with_log(format!("GET {}:\n  {e}", from.page)))?,
        (None, None) => return Err(format!("request `{}` has no path", case.name)),
    };
    let request = case.request(base, &path);
    let with_log = |failures: Vec<String>| {
        target.with_log(format!(
            "{} {}:\n  {}",
            request.method,
            request.path,
            failures.join("\n  ")
        ))
    };
    let first = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
    let mut failures = expect::check(&case.expect, &first);
    if case.expect.varies.is_some() || case.expect.built_file.is_some() {
        let second = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
        if let Some(varies) = case.expect.varies
            && (first.body() != second.body()) != varies
        {
            failures.push(if varies {
                "per request: two identical requests got the same body; expected content rendered per request".to_string()
            } else {
                "per request: two identical requests got different bodies".to_string()
            });
        }
        if let Some(file) = &case.expect.built_file {
            let path = target
                .client_dir
                .clone()
                .unwrap_or_default()
                .join(file.trim_start_matches('/'));
            match std::fs::read(&path) {
                Err(e) => failures.push(format!("built once: cannot read {}: {e}", path.display())),
                Ok(bytes) => {
                    for (which, ex) in [("first", &first), ("second", &second)] {
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
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(with_log(failures))
    }
}

/// Fetches `from.page` and reads the path out of it.
fn path_from_page(
    from: &PathFrom,
    send: &dyn Fn(&Request) -> Result<http::Exchange, http::HttpError>,
) -> Result<String, String> {
    let page = send(&Request::get(&from.page)).map_err(|e| e.to_string())?;
    if page.status != 200 {
        return Err(format!(
            "path_from: expected status 200, got {} {}",
            page.status, page.reason
        ));
    }
    from.find(&page.text())
}

//! The `http/...` checks: one request case sent to the built server.

use std::path::{Path, PathBuf};

use crate::mismatch::Mismatch;
use crate::pipeline::discover::request::{MAX_REDIRECTS, PathFrom, RequestCase};
use crate::pipeline::request::case::{PathFromError, find_path, request_for};
use crate::pipeline::request::expect;
use crate::pipeline::request::http::{self, Method, Request};
use crate::process;

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
    /// The run's HTTP runtime and client.
    pub http: &'a http::Http,
    /// The runner's own transport errors (`serve.transport_errors`): a 5xx that shows one
    /// is sent once more.
    pub transport_errors: &'a [String],
}

/// A request check that failed: what was sent, what went wrong, and the server's log.
#[derive(Debug, thiserror::Error)]
#[error(
    "{exchange}:\n  {}\nlast lines of the server log ({}):\n{tail}",
    mismatches.iter().map(ToString::to_string).chain(notes.iter().cloned()).collect::<Vec<_>>().join("\n  "),
    log.display()
)]
pub struct RequestFailure {
    /// `METHOD path`.
    pub exchange: String,
    /// Each failed expectation (or the exchange's error, as `response`).
    pub mismatches: Vec<Mismatch>,
    /// What else the run did that a reader should know (a request sent once more).
    pub notes: Vec<String>,
    /// The server log.
    pub log: PathBuf,
    /// Its last lines.
    pub tail: String,
}

impl Target<'_> {
    fn failure(&self, exchange: String, mismatches: Vec<Mismatch>) -> RequestFailure {
        RequestFailure {
            exchange,
            mismatches,
            notes: Vec::new(),
            log: self.server_log.to_path_buf(),
            tail: process::log_tail(self.server_log, process::LOG_TAIL_LINES),
        }
    }
}

/// Sends one request case to `target` and checks the response; the error lists every
/// failed assertion, then the tail of the server log.
pub fn run_request(case: &RequestCase, target: &Target) -> Result<(), RequestFailure> {
    let base = &target.base;
    let retried = std::cell::RefCell::new(Vec::new());
    let send = |req: &Request| {
        let once = || target.http.send(base, req, target.limits);
        let log_before = log_len(target.server_log);
        let first = once();
        match transport_error(target, log_before, &first) {
            None => first,
            Some(line) => {
                let note = format!(
                    "{} {}: sent once more after the runner's own transport error: {line}",
                    req.method, req.path
                );
                eprintln!("astro-conform: {note}");
                retried.borrow_mut().push(note);
                once()
            }
        }
    };
    let path = match (&case.path, &case.path_from) {
        (Some(path), _) => path.clone(),
        (None, Some(from)) => path_from_page(from, &send).map_err(|e| {
            let mismatch = Mismatch::new("path_from", "path_from", "a page with the path", "")
                .worded(e.to_string());
            target.failure(format!("GET {}", from.page), vec![mismatch])
        })?,
        (None, None) => {
            let problem = format!("request `{}` has no path", case.name);
            let mismatch = Mismatch::new("path", "path", "a path", "none").worded(problem);
            return Err(target.failure(case.name.clone(), vec![mismatch]));
        }
    };
    let request = request_for(case, base, &path);
    let with_log = |failures: Vec<Mismatch>| {
        target.failure(format!("{} {}", request.method, request.path), failures)
    };
    let exchange = || {
        let followed = match case.follow_redirects {
            true => follow(&request, base, &send),
            false => send(&request).map(Followed::once),
        };
        followed.map_err(|e| with_log(vec![no_response(e.to_string())]))
    };
    let first = exchange()?;
    let mut failures = first.problems.clone();
    failures.extend(expect::check(&case.expect, &first.last));
    if case.expect.linked_files {
        failures.extend(check_linked_files(&first.last, &send));
    }
    if case.expect.varies.is_some() || case.expect.built_file.is_some() {
        let second = exchange()?;
        failures.extend(check_twice(case, target, &first.last, &second.last));
    }
    for n in 2..=case.repeat.unwrap_or(1) {
        let again = exchange()?;
        failures.extend(check_repeat(n, &first.last, &again.last));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        let mut failure = with_log(failures);
        failure.notes = retried.take();
        Err(failure)
    }
}

/// No response came back: `problem` says why.
fn no_response(problem: String) -> Mismatch {
    Mismatch::new("response", "response", "a response", problem.clone()).worded(problem)
}

/// The last response of a redirect chain, and what went wrong following it.
struct Followed {
    last: http::Exchange,
    problems: Vec<Mismatch>,
}

impl Followed {
    fn once(last: http::Exchange) -> Self {
        Self {
            last,
            problems: Vec::new(),
        }
    }
}

/// `follow_redirects`: sends `request`, then the request each `Location` on this server
/// asks for (GET after 301, 302 and 303, as browsers do; 307 and 308 keep the method and
/// body, and each hop sends the cookies the chain set so far), until a response that is no
/// redirect, one to another site, or a loop.
fn follow(
    request: &Request,
    base: &str,
    send: &dyn Fn(&Request) -> Result<http::Exchange, http::HttpError>,
) -> Result<Followed, http::HttpError> {
    let mut next = request.clone();
    let mut chain = vec![request.path.clone()];
    loop {
        let last = send(&next)?;
        let location = last.header_values("location").next().map(str::to_string);
        let path = location.and_then(|l| {
            let local = l.strip_prefix(base).map(str::to_string).unwrap_or(l);
            local.starts_with('/').then_some(local)
        });
        let Some(path) = path.filter(|_| (300..400).contains(&last.status)) else {
            return Ok(Followed::once(last));
        };
        chain.push(path.clone());
        if chain.len() > MAX_REDIRECTS + 1 {
            let chain = chain.join(" → ");
            let problem = Mismatch::new(
                "follow_redirects",
                "redirects",
                format!("at most {MAX_REDIRECTS} in a row"),
                chain.clone(),
            )
            .worded(format!(
                "redirects: more than {MAX_REDIRECTS} in a row (a loop?): {chain}"
            ));
            return Ok(Followed {
                last,
                problems: vec![problem],
            });
        }
        if !matches!(last.status, 307 | 308) {
            next.method = Method::Get;
            next.body = None;
        }
        keep_cookies(&mut next.cookies, &last);
        next.path = path;
    }
}

/// What a browser's cookie jar does with a response's `Set-Cookie` lines: a cookie set is
/// sent from then on (replacing one of the same name), a deleted one no more.
fn keep_cookies(jar: &mut Vec<(String, String)>, response: &http::Exchange) {
    for line in response.header_values("set-cookie") {
        let Ok(cookie) = cookie::Cookie::parse(line.to_string()) else {
            continue;
        };
        jar.retain(|(name, _)| name != cookie.name());
        let expired = cookie
            .max_age()
            .is_some_and(|age| age.is_zero() || age.is_negative())
            || cookie
                .expires_datetime()
                .is_some_and(|at| at < std::time::SystemTime::now());
        if !expired {
            jar.push((cookie.name().to_string(), cookie.value().to_string()));
        }
    }
}

/// `repeat`: the `n`th identical request must answer like the first.
fn check_repeat(n: u32, first: &http::Exchange, again: &http::Exchange) -> Vec<Mismatch> {
    let mut failures = Vec::new();
    if again.status != first.status {
        let (expected, actual) = (
            format!("{} {}", first.status, first.reason),
            format!("{} {}", again.status, again.reason),
        );
        let message = format!("repeat: request {n} answered {actual}, the first {expected}");
        failures.push(Mismatch::new("repeat", "repeat", expected, actual).worded(message));
    }
    if again.body() != first.body() {
        let (expected, actual) = (
            format!("the first body ({} bytes)", first.body().len()),
            format!("{} bytes", again.body().len()),
        );
        failures.push(
            Mismatch::new("repeat", "repeat", expected, actual).worded(format!(
                "repeat: request {n} got a different body ({} bytes) than the first ({} bytes)",
                again.body().len(),
                first.body().len()
            )),
        );
    }
    failures
}

/// `varies` and `built_file`: what two identical requests must have in common (or not).
fn check_twice(
    case: &RequestCase,
    target: &Target,
    first: &http::Exchange,
    second: &http::Exchange,
) -> Vec<Mismatch> {
    let mut failures = Vec::new();
    if let Some(varies) = case.expect.varies
        && (first.body() != second.body()) != varies
    {
        let (expected, actual, message) = if varies {
            (
                "different bodies",
                "the same body",
                "per request: two identical requests got the same body; expected content rendered per request",
            )
        } else {
            (
                "the same body",
                "different bodies",
                "per request: two identical requests got different bodies",
            )
        };
        let mismatch = Mismatch::new("varies", "per request", expected, actual);
        failures.push(mismatch.worded(message.into()));
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
        Err(e) => {
            let problem = format!("built once: cannot read {}: {e}", path.display());
            let mismatch = Mismatch::new("built_file", "built once", file, e.to_string());
            failures.push(mismatch.worded(problem));
        }
        Ok(bytes) => {
            for (which, ex) in [("first", first), ("second", second)] {
                if ex.body() != bytes {
                    let expected = format!("the built file {file} ({} bytes)", bytes.len());
                    let actual = format!("{} bytes", ex.body().len());
                    let mismatch = Mismatch::new("built_file", "built once", expected, actual);
                    failures.push(mismatch.worded(format!(
                        "built once: the {which} response ({} bytes) is not the built file {file} ({} bytes)",
                        ex.body().len(),
                        bytes.len()
                    )));
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
    find_path(from, &page.text())
}

mod linked;
mod transport;

use linked::check_linked_files;
use transport::{log_len, transport_error};

#[cfg(test)]
mod tests;

//! `linked_files`: each file a page links to is fetched from the same server, as a browser
//! would, and must answer 2xx with a content type of its kind.

use crate::mismatch::Mismatch;
use crate::pipeline::request::http::{self, HttpError, Request};
use crate::pipeline::request::linked::linked_files;

/// The files `page` links to that do not answer as a browser needs; a page that links to
/// none is a mismatch too (the expectation would check nothing).
pub(super) fn check_linked_files(
    page: &http::Exchange,
    send: &dyn Fn(&Request) -> Result<http::Exchange, HttpError>,
) -> Vec<Mismatch> {
    let files = linked_files(&page.text());
    if files.is_empty() {
        let mismatch = Mismatch::new(
            "linked_files",
            "linked files",
            "a page that links to a script, stylesheet or island file",
            "none",
        );
        return vec![mismatch];
    }
    let mut failures = Vec::new();
    for (path, kind) in files {
        let label = format!("linked file {path}");
        let expected = format!("2xx with {}", kind.wanted());
        let answer = match send(&Request::get(&path)) {
            Ok(answer) => answer,
            Err(e) => {
                failures.push(Mismatch::new(
                    "linked_files",
                    &label,
                    expected,
                    e.to_string(),
                ));
                continue;
            }
        };
        let content_type = answer
            .header_values("content-type")
            .next()
            .unwrap_or("none");
        if !(200..300).contains(&answer.status) || !kind.accepts(content_type) {
            let actual = format!("{} {} ({content_type})", answer.status, answer.reason);
            failures.push(Mismatch::new("linked_files", &label, expected, actual));
        }
    }
    failures
}

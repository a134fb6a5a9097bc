//! The HTTP request a request case sends, and the path a `path_from` finds in a page.

use crate::pipeline::discover::request::{PathFrom, RequestCase};
use crate::pipeline::request::http::{Body, HttpError, Request};

/// Why `path_from` found no path.
#[derive(Debug, thiserror::Error)]
pub enum PathFromError {
    #[error("path_from: {0}")]
    Http(#[from] HttpError),
    #[error("path_from: expected status 200, got {status} {reason}")]
    Status { status: u16, reason: String },
    #[error("path_from: bad selector {selector:?}: {detail}")]
    BadSelector { selector: String, detail: String },
    #[error("path_from: no element of {page} matches {selector:?}")]
    NoMatch { page: String, selector: String },
    #[error("path_from: the element {selector:?} of {page} has no attribute {attr:?}")]
    NoAttribute {
        page: String,
        selector: String,
        attr: String,
    },
}

/// The path in `html`: the attribute of the first element that `from` selects.
pub fn find_path(from: &PathFrom, html: &str) -> Result<String, PathFromError> {
    let selector =
        scraper::Selector::parse(&from.select).map_err(|e| PathFromError::BadSelector {
            selector: from.select.clone(),
            detail: e.to_string(),
        })?;
    let doc = scraper::Html::parse_document(html);
    let element = doc
        .select(&selector)
        .next()
        .ok_or_else(|| PathFromError::NoMatch {
            page: from.page.clone(),
            selector: from.select.clone(),
        })?;
    element
        .value()
        .attr(&from.attr)
        .map(str::to_string)
        .ok_or_else(|| PathFromError::NoAttribute {
            page: from.page.clone(),
            selector: from.select.clone(),
            attr: from.attr.clone(),
        })
}

/// The request `case` sends to `path`; `{base}` in a header value becomes the server's
/// base URL (e.g. for a same-origin `Origin` header).
pub fn request_for(case: &RequestCase, base: &str, path: &str) -> Request {
    let body = if let Some(form) = &case.form {
        Some(Body::Form(
            form.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ))
    } else if let Some(json) = &case.json {
        Some(Body::Json(serde_json::to_value(json).unwrap_or_default()))
    } else {
        case.body.clone().map(Body::Raw)
    };
    Request {
        method: case.method,
        path: path.to_string(),
        headers: case
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{base}", base)))
            .collect(),
        cookies: case
            .cookies
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        body,
    }
}

//! The requests both sides of an upgrade answer: the site's astro-conform.toml requests, or
//! without one, a GET of each on-demand route without parameters (those `init` writes).

use crate::astro::{Mode, Origin, RouteType};
use crate::pipeline::classify::Classification;
use crate::pipeline::discover::case::Fixture;
use crate::pipeline::request::case::request_for;
use crate::pipeline::request::http::Request;

/// One request, by name.
#[derive(Debug, Clone)]
pub struct Ask {
    pub name: String,
    /// The path, for a plain GET; `None` for a case request.
    path: Option<String>,
    /// Index into the site's requests.
    case: Option<usize>,
    /// The page or endpoint, for a plain GET.
    pub source: Option<String>,
}

/// The requests to send, and where they came from (for the report). Case requests whose
/// path is found in a page (`path_from`) are left out: the two sides may link differently.
pub fn asks(site: Option<&Fixture>, from: Option<&Classification>) -> (Vec<Ask>, String) {
    if let Some(site) = site {
        let asks = site
            .case
            .requests
            .iter()
            .enumerate()
            .filter(|(_, r)| r.get_ref().path.is_some())
            .map(|(i, r)| Ask {
                name: r.get_ref().name.clone(),
                path: None,
                case: Some(i),
                source: None,
            })
            .collect();
        return (asks, "the site's astro-conform.toml".into());
    }
    let asks = from
        .map(|c| c.routes.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.origin == Origin::Project && r.mode == Mode::OnDemand)
        .filter(|r| matches!(r.kind, RouteType::Page | RouteType::Endpoint))
        .filter(|r| !r.pattern.contains('['))
        .map(|r| Ask {
            name: format!("GET {}", r.pattern),
            path: Some(r.pattern.clone()),
            case: None,
            source: Some(r.source.clone()),
        })
        .collect();
    let source = "a GET of each on-demand route without parameters (no astro-conform.toml)";
    (asks, source.into())
}

impl Ask {
    /// The request to send to the server at `base`.
    pub fn request(&self, site: Option<&Fixture>, base: &str) -> Request {
        match (self.case, site) {
            (Some(i), Some(site)) => {
                let case = site.case.requests[i].get_ref();
                request_for(case, base, case.path.as_deref().unwrap_or("/"))
            }
            _ => Request::get(self.path.as_deref().unwrap_or("/")),
        }
    }

    /// The route's path, for a plain GET (the speed comparison loads these).
    pub fn get_path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

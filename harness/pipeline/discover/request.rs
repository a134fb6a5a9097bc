//! The `[[request]]` tables of a case file, read strictly: what to send, the behaviours it
//! exercises, and (in [`super::expect`]) what the response must show.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::expect::Expect;

/// One `[[request]]` of a case.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCase {
    /// Names the trial: `stack/adapter/fixture/http/<name>`.
    pub name: String,
    /// HTTP method (default `GET`).
    #[serde(default)]
    pub method: Method,
    /// Path and query.
    pub path: Option<String>,
    /// Instead of `path`: take the path from an element of another page, e.g. the URL a
    /// prerendered page fetches its server island from.
    pub path_from: Option<PathFrom>,
    /// Header lines to send.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Cookies to send.
    #[serde(default)]
    pub cookies: BTreeMap<String, String>,
    /// Form fields to send as the body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// A JSON body.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub json: Option<toml::Value>,
    /// A raw body.
    #[serde(default)]
    pub body: Option<String>,
    /// Follow redirects on this server (at most [`MAX_REDIRECTS`]); the expectations then
    /// apply to the last response.
    #[serde(default)]
    pub follow_redirects: bool,
    /// Send the request this many times in all (at least 2): every status and body must
    /// equal the first's.
    pub repeat: Option<u32>,
    /// Stacks this request does not run on, each with the reason (a legitimate difference
    /// between Astro lines).
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    /// The behaviours the request exercises beyond what its `expect` shows.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// What the response must show.
    #[serde(default)]
    pub expect: Expect,
}

impl RequestCase {
    /// The behaviours the request exercises: its `tags`, `prerendered-page` when it
    /// expects a `built_file` and `linked-files` when it expects `linked_files`.
    pub fn behaviours(&self) -> Vec<Tag> {
        let mut tags = self.tags.clone();
        let implied = [
            (self.expect.built_file.is_some(), Tag::PrerenderedPage),
            (self.expect.linked_files, Tag::LinkedFiles),
        ];
        for (applies, tag) in implied {
            if applies && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }
}

/// The longest redirect chain `follow_redirects` follows before it reports a loop.
pub const MAX_REDIRECTS: usize = 10;

/// The HTTP method of a request, written in any case in a case file (`"post"`, `"POST"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    /// Every method, in declaration order.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
    ];

    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(&text))
            .ok_or_else(|| {
                let known: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
                serde::de::Error::custom(format!(
                    "unknown method `{text}` (known: {})",
                    known.join(", ")
                ))
            })
    }
}

/// A behaviour a request exercises, named so that an adapter profile can list a known
/// deviation for the behaviour (`"tag:not-found-page"`) rather than for each request, and
/// so the matrix proof knows what a mutant breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    /// A path a prerendered dynamic route's `getStaticPaths` does not list is none of its
    /// pages: it answers 404, or the next route that matches answers it.
    UnlistedStaticPath,
    /// The 404 page is prerendered, so middleware does not run for a path no page matches.
    #[serde(rename = "prerendered-404-skips-middleware")]
    Prerendered404SkipsMiddleware,
    /// A path no route matches gets Astro's own 404 page (custom or prerendered).
    NotFoundPage,
    /// Astro's middleware runs for a path no route matches.
    #[serde(rename = "middleware-on-404")]
    MiddlewareOn404,
    /// A page answers with or without a trailing slash as `trailingSlash` says.
    TrailingSlash,
    /// A custom status text (reason phrase) reaches the client.
    StatusText,
    /// An on-demand body arrives in parts as it renders, or aborts when rendering fails.
    Streaming,
    /// Pages answer under the config's `base`.
    Base,
    /// Prerendered pages are found under the file names `build.format` gives them.
    BuildFormat,
    /// The answer is a page the build wrote (implied by `expect.built_file`).
    PrerenderedPage,
    /// A redirect from the config's `redirects` answers.
    ConfigRedirect,
    /// A page that throws on demand gets the prerendered custom 500 page.
    PrerenderedErrorPage,
    /// The answer depends on the request's query string (a server island's props travel
    /// in it).
    Query,
    /// The answer depends on the request's body.
    RequestBody,
    /// The answer depends on a cookie the request sends.
    RequestCookie,
    /// The answer depends on every one of several cookies the request sends.
    SeveralCookies,
    /// The answer depends on every value of a query key the request repeats.
    RepeatedQuery,
    /// A redirect's `Location` carries a query that must arrive whole.
    RedirectQuery,
    /// The files the page links to answer (implied by `expect.linked_files`).
    LinkedFiles,
    /// A page or middleware rewrites the request (`Astro.rewrite`, `context.rewrite`,
    /// `next(path)`): the target answers at the original URL.
    Rewrite,
    /// The answer shows the client's address (`Astro.clientAddress`).
    ClientAddress,
    /// A rewrite's target is a prerendered page, which the built server has no component
    /// for.
    RewriteToPrerendered,
    /// An action runs (`astro:actions`): called by its URL, or posted by a form to a page.
    Action,
    /// A session (`Astro.session`) keeps a value between requests in the adapter's store.
    Session,
    /// The answer depends on `X-Forwarded-Host`, `-Proto` or `-For` reaching Astro from a
    /// proxy of a domain `security.allowedDomains` trusts.
    Forwarded,
    /// The route is cached (`Astro.cache`, `routeRules`): a second request is answered
    /// from the cache provider.
    RouteCache,
    /// The page's Content-Security-Policy (`security.csp`) reaches the client: a header, or
    /// the prerendered file's `<meta>`.
    Csp,
    /// The answer shows a server secret (`astro:env/server`) read at request time from the
    /// environment the host gave the server.
    EnvSecret,
    /// A prerendered page is sent with the headers the build recorded for it (the
    /// `staticHeaders` adapter feature).
    StaticHeaders,
}

impl Tag {
    /// Every tag, in declaration order.
    pub const ALL: [Tag; 29] = [
        Tag::UnlistedStaticPath,
        Tag::Prerendered404SkipsMiddleware,
        Tag::NotFoundPage,
        Tag::MiddlewareOn404,
        Tag::TrailingSlash,
        Tag::StatusText,
        Tag::Streaming,
        Tag::Base,
        Tag::BuildFormat,
        Tag::PrerenderedPage,
        Tag::ConfigRedirect,
        Tag::PrerenderedErrorPage,
        Tag::Query,
        Tag::RequestBody,
        Tag::RequestCookie,
        Tag::SeveralCookies,
        Tag::RepeatedQuery,
        Tag::RedirectQuery,
        Tag::LinkedFiles,
        Tag::Rewrite,
        Tag::ClientAddress,
        Tag::RewriteToPrerendered,
        Tag::Action,
        Tag::Session,
        Tag::Forwarded,
        Tag::RouteCache,
        Tag::Csp,
        Tag::EnvSecret,
        Tag::StaticHeaders,
    ];

    /// The name written in case files and profiles.
    pub fn name(self) -> &'static str {
        match self {
            Tag::UnlistedStaticPath => "unlisted-static-path",
            Tag::Prerendered404SkipsMiddleware => "prerendered-404-skips-middleware",
            Tag::NotFoundPage => "not-found-page",
            Tag::MiddlewareOn404 => "middleware-on-404",
            Tag::TrailingSlash => "trailing-slash",
            Tag::StatusText => "status-text",
            Tag::Streaming => "streaming",
            Tag::Base => "base",
            Tag::BuildFormat => "build-format",
            Tag::PrerenderedPage => "prerendered-page",
            Tag::ConfigRedirect => "config-redirect",
            Tag::PrerenderedErrorPage => "prerendered-error-page",
            Tag::Query => "query",
            Tag::RequestBody => "request-body",
            Tag::RequestCookie => "request-cookie",
            Tag::SeveralCookies => "several-cookies",
            Tag::RepeatedQuery => "repeated-query",
            Tag::RedirectQuery => "redirect-query",
            Tag::LinkedFiles => "linked-files",
            Tag::Rewrite => "rewrite",
            Tag::ClientAddress => "client-address",
            Tag::RewriteToPrerendered => "rewrite-to-prerendered",
            Tag::Action => "action",
            Tag::Session => "session",
            Tag::Forwarded => "forwarded",
            Tag::RouteCache => "route-cache",
            Tag::Csp => "csp",
            Tag::EnvSecret => "env-secret",
            Tag::StaticHeaders => "static-headers",
        }
    }

    /// The tag of that name.
    pub fn from_name(name: &str) -> Option<Tag> {
        Tag::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A path read from an attribute of an element of another page.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathFrom {
    /// The page to fetch first (a plain GET).
    pub page: String,
    /// CSS selector of the element.
    pub select: String,
    /// The attribute that holds the path, e.g. `href`.
    pub attr: String,
}

impl RequestCase {
    /// What is wrong with a request that has neither or both of `path` and `path_from`,
    /// or a `repeat` below 2.
    pub fn problem(&self) -> Option<String> {
        if self.repeat.is_some_and(|n| n < 2) {
            return Some(format!(
                "request `{}`: `repeat` counts every request sent, so it is at least 2",
                self.name
            ));
        }
        match (&self.path, &self.path_from) {
            (Some(_), None) | (None, Some(_)) => None,
            (None, None) => Some(format!(
                "request `{}` needs `path` or `path_from`",
                self.name
            )),
            (Some(_), Some(_)) => Some(format!(
                "request `{}` has both `path` and `path_from`; keep one",
                self.name
            )),
        }
    }

    /// The trial-name segment for this request: lower-case words joined by `-`.
    pub fn slug(&self) -> String {
        slug(&self.name)
    }
}

/// The trial-name segment for a request named `name`: lower-case words joined by `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

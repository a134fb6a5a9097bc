//! The `expect` table of a request case: what the response must show.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `expect` table of a request.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Status code.
    pub status: Option<u16>,
    /// Reason phrase, e.g. `Not Found`.
    pub reason: Option<String>,
    /// `Location` header, exactly.
    pub location: Option<String>,
    /// Headers that must equal these values (names case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers that must contain these substrings.
    #[serde(default)]
    pub header_contains: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default)]
    pub headers_absent: Vec<String>,
    /// The exact set of header names (case-insensitive), leaving out hop-by-hop headers and
    /// the server's `date` and `content-length`.
    pub header_names: Option<Vec<String>>,
    /// Number of `Set-Cookie` lines.
    pub cookie_count: Option<usize>,
    /// Cookies that must be set, each on its own `Set-Cookie` line.
    #[serde(default)]
    pub cookies: Vec<CookieExpect>,
    /// The `Set-Cookie` lines exactly, in order.
    pub set_cookie: Option<Vec<String>>,
    /// HTML assertions by CSS selector.
    #[serde(default)]
    pub html: Vec<HtmlExpect>,
    /// Number of `<astro-island>` elements.
    pub islands: Option<usize>,
    /// No `<script>` element at all.
    pub no_scripts: Option<bool>,
    /// The body contains this text.
    pub body_contains: Option<String>,
    /// The body starts with this text.
    pub body_starts_with: Option<String>,
    /// The page's Content-Security-Policy contains this text: the policy of its
    /// `content-security-policy` header, or of a `<meta http-equiv>` in its HTML (where Astro
    /// puts it for a prerendered page when the adapter does not serve static headers).
    pub csp_contains: Option<String>,
    /// JSON pointer → expected value.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub json: BTreeMap<String, toml::Value>,
    /// Streaming: `before` arrives in an earlier chunk than `then`.
    pub stream: Option<StreamExpect>,
    /// How many pieces the body arrived in: `min = 2` for a streamed body, `max = 1` for
    /// one sent whole (streaming off). Large bodies may be split by TCP alone.
    pub chunks: Option<ChunkCount>,
    /// On demand: a second identical request gets a different body (per-request content).
    pub varies: Option<bool>,
    /// Prerendered: the body equals this file of the client output dir, byte for byte,
    /// on two requests.
    pub built_file: Option<String>,
    /// `true`: every file the page links to on this server (scripts, stylesheets, module
    /// preloads, an island's component and renderer) answers 2xx with a content type of
    /// its kind; a page that links to none fails.
    #[serde(default)]
    pub linked_files: bool,
    /// `false`: the body must end abnormally (e.g. an error after streaming started must
    /// not look like a finished page). By default every body must be complete.
    pub complete: Option<bool>,
}

/// One expected cookie.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CookieExpect {
    pub name: String,
    pub value: Option<String>,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub http_only: Option<bool>,
    pub secure: Option<bool>,
    /// `Strict`, `Lax` or `None`.
    pub same_site: Option<String>,
    /// Max-Age in seconds.
    pub max_age: Option<i64>,
    /// The cookie is a deletion (expired or Max-Age=0).
    pub deleted: Option<bool>,
    /// Attributes the line must not carry, e.g. `["Domain", "Expires"]` (case-insensitive).
    #[serde(default)]
    pub absent: Vec<String>,
}

/// One HTML assertion.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HtmlExpect {
    /// CSS selector.
    pub select: String,
    /// Text of the first match equals this (whitespace trimmed).
    pub text: Option<String>,
    /// Text of the first match contains this.
    pub contains: Option<String>,
    /// Number of matches.
    pub count: Option<usize>,
    /// Attribute of the first match (with `equals`).
    pub attr: Option<String>,
    pub equals: Option<String>,
}

/// Bounds on the number of pieces a body arrived in.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChunkCount {
    /// At least this many.
    pub min: Option<usize>,
    /// At most this many.
    pub max: Option<usize>,
}

/// The streaming assertion.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamExpect {
    /// Arrives first.
    pub before: String,
    /// Arrives in a later chunk.
    pub then: String,
    /// The page's declared delay: the chunk with `before` must arrive sooner.
    pub delay_ms: Option<u64>,
}

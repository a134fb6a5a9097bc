//! Astro's own vocabulary, shared by every stage: how a route renders, what a route is and
//! where it comes from, the config's `output` and `build.format`, and the errors a build can
//! be expected to fail with.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a route is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Mode {
    /// Rendered once at build time (▶).
    #[serde(rename = "prerendered")]
    Prerendered,
    /// Rendered per request (λ).
    #[serde(rename = "on-demand")]
    OnDemand,
}

impl Mode {
    /// The listing's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Mode::Prerendered => "▶",
            Mode::OnDemand => "λ",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "▶" | "prerendered" => Ok(Mode::Prerendered),
            "λ" | "on-demand" => Ok(Mode::OnDemand),
            other => Err(serde::de::Error::custom(format!(
                "unknown mode `{other}`: use \"▶\" or \"prerendered\", \"λ\" or \"on-demand\""
            ))),
        }
    }
}

/// What a route is, as Astro's `RouteType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    Page,
    Endpoint,
    /// A `redirects` entry of the config.
    Redirect,
    /// An i18n fallback.
    Fallback,
}

/// Where a route comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A file of the project (or a config redirect).
    Project,
    /// Injected by Astro itself (`/_image`, server islands).
    Internal,
    /// Injected by an integration.
    External,
}

/// `output` of the resolved config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Static,
    Server,
}

macro_rules! display_as_serde_name {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let value = serde_json::to_value(self).map_err(|_| fmt::Error)?;
                f.write_str(value.as_str().unwrap_or_default())
            }
        }
    )*};
}
display_as_serde_name!(RouteType, Origin, Output);

/// `build.format`: how a prerendered page's file is named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildFormat {
    /// `about/index.html`.
    #[default]
    Directory,
    /// `about.html` (and `guide.html` for `guide/index.astro`).
    File,
    /// As the source file is named: `about.html`, `guide/index.html`.
    Preserve,
}

/// An Astro error a build can be expected to fail with (its name, as Astro prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AstroError {
    /// On-demand routes (or output server) without an adapter.
    NoAdapterInstalled,
    /// A server island without an adapter.
    NoAdapterInstalledServerIslands,
}

impl AstroError {
    /// The name Astro prints.
    pub fn name(self) -> &'static str {
        match self {
            AstroError::NoAdapterInstalled => "NoAdapterInstalled",
            AstroError::NoAdapterInstalledServerIslands => "NoAdapterInstalledServerIslands",
        }
    }
}

impl fmt::Display for AstroError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

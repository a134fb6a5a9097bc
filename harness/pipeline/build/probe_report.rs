//! What the probe integration (`probe/probe.mjs`) writes into a build's workdir: Astro's
//! resolved config, its routes and the files each route wrote.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::astro::{BuildFormat, Origin, Output, RouteType};

/// What the probe integration wrote (see `harness/pipeline/build/probe/probe.mjs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeReport {
    /// `output` of the resolved config.
    pub output: Option<Output>,
    /// Name of the adapter integration, if any.
    pub adapter: Option<String>,
    /// What the adapter declared to Astro through `setAdapter()`, if it called it.
    #[serde(default)]
    pub adapter_declares: Option<AdapterDeclares>,
    /// `outDir` of the resolved config, relative to the project root.
    pub out_dir: Option<String>,
    /// `build.format` of the resolved config, after integrations changed it.
    pub build_format: Option<BuildFormat>,
    /// From `astro:routes:resolved`; absent if the build stopped before.
    pub routes: Option<Vec<ProbeRoute>>,
    /// From `astro:build:done`; absent if the build failed.
    pub build: Option<ProbeBuild>,
    /// From the bundler: each written file's basename whose name pattern has a content
    /// hash, mapped to that basename with the hash as `[hash]`.
    #[serde(default)]
    pub hashed_names: std::collections::BTreeMap<String, String>,
}

/// One route as `astro:routes:resolved` reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeRoute {
    /// Source file relative to the project root (or a path into Astro for internal routes).
    pub entrypoint: Option<String>,
    /// URL pattern, e.g. `/blog/[slug]`.
    pub pattern: String,
    /// Page, endpoint, redirect or fallback.
    #[serde(rename = "type")]
    pub kind: RouteType,
    /// Project, internal or external.
    pub origin: Origin,
    /// Astro's decision.
    pub is_prerendered: bool,
    /// Redirect target for `redirect` routes.
    #[serde(default)]
    pub redirect: Option<serde_json::Value>,
}

/// What `astro:build:done` reports.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeBuild {
    /// The client (static) output dir, relative to the project root.
    pub dir: String,
    /// Files written per route pattern, relative to `dir`, with a leading `/`.
    pub files: BTreeMap<String, Vec<String>>,
}

/// What an adapter declares to Astro when it calls `setAdapter()`: the Astro features it
/// supports and the adapter features it provides, each as the adapter wrote it (a support
/// level such as `"stable"`, an object with `support`, a flag or a mode).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdapterDeclares {
    /// The adapter's name as it gives it to Astro.
    pub name: Option<String>,
    /// `supportedAstroFeatures`.
    #[serde(default)]
    pub supported_astro_features: BTreeMap<String, serde_json::Value>,
    /// `adapterFeatures`.
    #[serde(default)]
    pub adapter_features: BTreeMap<String, serde_json::Value>,
}

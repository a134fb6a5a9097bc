//! The adapter a build adds to the project's config (or none).

use std::collections::BTreeMap;
use std::path::Path;

use crate::pipeline::discover::adapter::Profile;

/// Which adapter the wrapper config adds when the project's own config has none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Adapter {
    /// None: the project is built as written (with its own adapter, if it has one).
    None,
    /// This one, given by its import line(s) and the expression for the `adapter` field.
    Added {
        name: String,
        import: String,
        expression: String,
        /// Environment for `astro build`; `{project}` is the workdir.
        build_env: Vec<(String, String)>,
    },
}

impl Adapter {
    /// What the wrapper config adds for `profile`'s adapter.
    pub fn of(profile: &Profile) -> Adapter {
        Self::with_options(profile, &BTreeMap::new()).expect("no options fit any profile")
    }

    /// What a site's own build adds for `profile`: nothing when the site's packages
    /// (`node_modules`) lack a package the profile's import names (a static blog without
    /// `@astrojs/node`), so the site is built as its own `astro build` builds it, and an
    /// on-demand route fails it the same way (`NoAdapterInstalled`).
    pub fn for_site(profile: &Profile, node_modules: &Path) -> Adapter {
        let missing = imported_packages(&profile.config.import)
            .any(|package| !node_modules.join(package).join("package.json").is_file());
        match missing {
            true => Adapter::None,
            false => Self::of(profile),
        }
    }

    /// `profile`'s adapter with a fixture's options in place of `{options}` in the profile's
    /// expression (`node({ mode: 'standalone', ...{options} })`); `None` when there are
    /// options and the expression has no place for them. Without options the expression
    /// is the profile's own, less its `, ...{options}`, so builds stay shared.
    pub fn with_options(
        profile: &Profile,
        options: &BTreeMap<String, toml::Value>,
    ) -> Option<Adapter> {
        let expression = &profile.config.adapter;
        let expression = if options.is_empty() {
            expression
                .replace(", ...{options}", "")
                .replace("{options}", "{}")
        } else if expression.contains("{options}") {
            let json = serde_json::to_string(options).unwrap_or_else(|_| "{}".into());
            expression.replace("{options}", &json)
        } else {
            return None;
        };
        let env = profile.config.build_env.clone().into_iter().collect();
        Some(Adapter::new(&profile.name, &profile.config.import, &expression).with_build_env(env))
    }

    /// An adapter given by its import line(s) and the expression for the `adapter` field.
    pub fn new(name: &str, import: &str, expression: &str) -> Self {
        Adapter::Added {
            name: name.to_string(),
            import: import.trim().to_string(),
            expression: expression.trim().to_string(),
            build_env: Vec::new(),
        }
    }

    /// The same adapter, built with this environment added (`{project}`: the workdir).
    pub fn with_build_env(mut self, env: Vec<(String, String)>) -> Self {
        if let Adapter::Added { build_env, .. } = &mut self {
            *build_env = env;
        }
        self
    }

    /// The environment `astro build` gets beside the harness's own.
    pub(super) fn build_env(&self) -> &[(String, String)] {
        match self {
            Adapter::None => &[],
            Adapter::Added { build_env, .. } => build_env,
        }
    }

    /// `@astrojs/node` in standalone mode (what `classify` adds).
    pub fn node() -> Self {
        Self::new(
            "node",
            "import node from '@astrojs/node';",
            "node({ mode: 'standalone' })",
        )
    }

    /// True for [`Adapter::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Adapter::None)
    }

    /// The name used in trial names and cache keys (`none` for [`Adapter::None`]).
    pub fn name(&self) -> &str {
        match self {
            Adapter::None => "none",
            Adapter::Added { name, .. } => name,
        }
    }

    /// The import line(s) the wrapper config starts with.
    pub(super) fn import(&self) -> &str {
        match self {
            Adapter::None => "",
            Adapter::Added { import, .. } => import,
        }
    }

    /// The `adapter` expression used when the project's config sets none.
    pub(super) fn expression(&self) -> &str {
        match self {
            Adapter::None => "undefined",
            Adapter::Added { expression, .. } => expression,
        }
    }
}

/// The packages import lines name (`from '@astrojs/node'` → `@astrojs/node`; a subpath
/// such as `pkg/x` → `pkg`; relative paths are skipped).
fn imported_packages(import: &str) -> impl Iterator<Item = &str> {
    import.split("from").skip(1).filter_map(|rest| {
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let specifier = rest[1..].split(quote).next()?;
        if specifier.starts_with('.') || specifier.starts_with('/') {
            return None;
        }
        let segments = if specifier.starts_with('@') { 2 } else { 1 };
        let end = specifier
            .match_indices('/')
            .nth(segments - 1)
            .map_or(specifier.len(), |(at, _)| at);
        Some(&specifier[..end])
    })
}

#[cfg(test)]
mod site_tests {
    use super::imported_packages;

    #[test]
    fn import_lines_name_their_packages() {
        let lines = "import node from '@astrojs/node';\nimport x from \"pkg/sub\";\nimport y from './local.mjs';";
        assert_eq!(
            imported_packages(lines).collect::<Vec<_>>(),
            ["@astrojs/node", "pkg"]
        );
    }
}

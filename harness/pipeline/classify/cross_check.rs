//! The cross-check: where the probe, the build log and the files on disk disagree about
//! a route, each disagreement names the route and what each source says.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use crate::astro::{Mode, RouteType};
use crate::pipeline::classify::buildlog::{PrerenderGroup, PrerenderLog};

use super::*;

/// A route on which the probe, the build log and the files on disk disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The route (source file), or the file no route claims.
    pub subject: String,
    /// What each source says.
    pub probe: String,
    pub log: String,
    pub disk: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:\n    probe (astro:routes:resolved / astro:build:done): {}\n    build log: {}\n    files on disk: {}",
            self.subject, self.probe, self.log, self.disk
        )
    }
}

fn list(files: &[String]) -> String {
    if files.is_empty() {
        "none".into()
    } else {
        files.join(", ")
    }
}

/// Files a λ route must not have on disk: what a prerendered build of it would write.
fn would_be_files(route: &Route) -> Vec<String> {
    if route.pattern.contains('[') {
        return Vec::new();
    }
    let base = route.pattern.trim_end_matches('/');
    if route.kind == RouteType::Endpoint {
        vec![if base.is_empty() {
            "/".into()
        } else {
            base.to_string()
        }]
    } else {
        vec![format!("{base}/index.html"), format!("{base}.html")]
            .into_iter()
            .filter(|f| f != ".html")
            .collect()
    }
}

/// Cross-checks the probe's decision against the build log and the client output dir.
/// Returns every disagreement; empty means all three sources agree.
pub(crate) fn cross_check(
    c: &Classification,
    log: &PrerenderLog,
    client_dir: &Path,
) -> Vec<Disagreement> {
    let sources = Sources {
        log,
        logged: log.files().collect(),
        client_dir,
    };
    let mut out = Vec::new();
    let mut claimed = BTreeSet::new();
    for route in &c.routes {
        let disagreement = match (route.kind, route.mode) {
            (RouteType::Redirect, _) => {
                claimed.extend(route.files.iter().map(String::as_str));
                claimed.extend(sources.redirect_log_files(route));
                sources.redirect(route)
            }
            (_, Mode::Prerendered) => {
                claimed.extend(route.files.iter().map(String::as_str));
                sources.prerendered(route)
            }
            (_, Mode::OnDemand) => sources.on_demand(route),
        };
        out.extend(disagreement);
    }
    for file in sources.logged.iter().filter(|f| !claimed.contains(*f)) {
        out.push(Disagreement {
            subject: format!("file {file}"),
            probe: "no ▶ route wrote it".into(),
            log: "prerendered it".into(),
            disk: if sources.on_disk(file) {
                "present".into()
            } else {
                "absent".into()
            },
        });
    }
    out
}

/// What the build log and the disk say.
struct Sources<'a> {
    log: &'a PrerenderLog,
    /// Every file the log lists.
    logged: BTreeSet<&'a str>,
    client_dir: &'a Path,
}

impl Sources<'_> {
    fn on_disk(&self, file: &str) -> bool {
        self.client_dir.join(file.trim_start_matches('/')).is_file()
    }

    /// The log's group of prerendered files under this route's header (Astro 5 logs).
    fn log_group(&self, route: &Route) -> Option<&PrerenderGroup> {
        self.log
            .groups
            .iter()
            .find(|g| g.source.as_deref() == Some(route.source.as_str()))
    }

    /// A ▶ route: every file it wrote is in the log and on disk, and its log group (if
    /// any) lists exactly those files.
    fn prerendered(&self, route: &Route) -> Option<Disagreement> {
        let log_group = self.log_group(route);
        let missing = |present: &dyn Fn(&str) -> bool| -> Vec<String> {
            route
                .files
                .iter()
                .filter(|f| !present(f))
                .cloned()
                .collect()
        };
        let missing_in_log = missing(&|f| self.logged.contains(f));
        let missing_on_disk = missing(&|f| self.on_disk(f));
        let group_differs = log_group.is_some_and(|g| {
            let mut files = g.files.clone();
            files.sort();
            files != route.files
        });
        if missing_in_log.is_empty() && missing_on_disk.is_empty() && !group_differs {
            return None;
        }
        Some(Disagreement {
            subject: format!("route {} ({})", route.source, route.pattern),
            probe: format!("▶, wrote {}", list(&route.files)),
            log: match log_group {
                Some(g) => format!("▶, wrote {}", list(&g.files)),
                None => format!("does not list {}", list(&missing_in_log)),
            },
            disk: if missing_on_disk.is_empty() {
                "all present".into()
            } else {
                format!("missing {}", list(&missing_on_disk))
            },
        })
    }

    /// The files astro 5 lists under a config redirect's header (its pattern), written or
    /// not: with an adapter that answers redirects at run time, they are listed but absent.
    fn redirect_log_files(&self, route: &Route) -> Vec<&str> {
        self.log
            .groups
            .iter()
            .filter(|g| g.source.as_deref() == Some(route.pattern.as_str()))
            .flat_map(|g| g.files.iter().map(String::as_str))
            .collect()
    }

    /// A config redirect: the meta-refresh files the probe saw written are on disk, and
    /// no file the log lists for it but the probe did not see is.
    fn redirect(&self, route: &Route) -> Option<Disagreement> {
        let missing: Vec<String> = route
            .files
            .iter()
            .filter(|f| !self.on_disk(f))
            .cloned()
            .collect();
        let stray: Vec<String> = self
            .redirect_log_files(route)
            .into_iter()
            .filter(|f| !route.files.iter().any(|r| r == f) && self.on_disk(f))
            .map(str::to_string)
            .collect();
        if missing.is_empty() && stray.is_empty() {
            return None;
        }
        Some(Disagreement {
            subject: format!("redirect {}", route.pattern),
            probe: format!("wrote {}", list(&route.files)),
            log: format!(
                "lists {}",
                list(
                    &self
                        .redirect_log_files(route)
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                )
            ),
            disk: if missing.is_empty() {
                format!("also has {}", list(&stray))
            } else {
                format!("missing {}", list(&missing))
            },
        })
    }

    /// A λ route: neither the log nor the disk has a file a prerendered build would write.
    fn on_demand(&self, route: &Route) -> Option<Disagreement> {
        let log_group = self.log_group(route);
        let expected = would_be_files(route);
        let in_log: Vec<String> = expected
            .iter()
            .filter(|f| self.logged.contains(f.as_str()))
            .cloned()
            .collect();
        let present: Vec<String> = expected
            .iter()
            .filter(|f| self.on_disk(f))
            .cloned()
            .collect();
        if log_group.is_none() && in_log.is_empty() && present.is_empty() {
            return None;
        }
        Some(Disagreement {
            subject: format!("route {} ({})", route.source, route.pattern),
            probe: "λ (rendered per request, no file)".into(),
            log: match log_group {
                Some(g) => format!("prerendered it: {}", list(&g.files)),
                None if !in_log.is_empty() => format!("prerendered {}", list(&in_log)),
                None => "not prerendered".into(),
            },
            disk: if present.is_empty() {
                "no file".into()
            } else {
                format!("has {}", list(&present))
            },
        })
    }
}

//! How a profile starts a build's output: its `[serve]` command and environment with the
//! placeholders filled in.

use std::path::PathBuf;

use crate::pipeline::build::Build;
use crate::pipeline::install::stack::InstalledStack;
use crate::pipeline::serve::Launch;

use crate::pipeline::discover::adapter::Profile;

impl Profile {
    /// How to start a build's output; `{port}` is filled in when the server starts.
    pub fn launch(&self, build: &Build, installed: &InstalledStack) -> Launch {
        let fill = |s: &str| {
            let mut out = s.to_string();
            for (key, value) in [
                ("node", installed.node.binary.to_string_lossy().into_owned()),
                ("project", build.workdir.to_string_lossy().into_owned()),
                (
                    "modules",
                    installed.node_modules.to_string_lossy().into_owned(),
                ),
                ("profile_dir", self.dir().to_string_lossy().into_owned()),
                ("host", "127.0.0.1".into()),
                ("entry", self.entry(build).to_string_lossy().into_owned()),
                (
                    "static",
                    self.static_dir(build).to_string_lossy().into_owned(),
                ),
            ] {
                out = out.replace(&format!("{{{key}}}"), &value);
            }
            out
        };
        let mut env = vec![
            (
                "PATH".to_string(),
                installed.path_var.to_string_lossy().into_owned(),
            ),
            ("ASTRO_TELEMETRY_DISABLED".into(), "1".into()),
            ("NO_COLOR".into(), "1".into()),
        ];
        env.extend(self.serve.env.iter().map(|(k, v)| (k.clone(), fill(v))));
        Launch {
            program: PathBuf::from(fill(&self.serve.command[0])),
            args: self.serve.command[1..].iter().map(|a| fill(a)).collect(),
            cwd: PathBuf::from(fill(self.serve.cwd.as_deref().unwrap_or("{project}"))),
            env,
            log_dir: build
                .workdir
                .join(crate::pipeline::build::HARNESS_DIR)
                .join("logs"),
            cpu: None,
            deploy: self.serve.deploy.then(|| super::remote::Deploy {
                cleanup: self
                    .serve
                    .cleanup
                    .as_ref()
                    .map(|c| c.iter().map(|a| fill(a)).collect()),
            }),
        }
    }

    /// The server entry of a build, per `output.entry`: the first alternative that exists,
    /// else the first.
    pub fn entry(&self, build: &Build) -> PathBuf {
        let paths = self.output.entry.paths();
        paths
            .iter()
            .map(|p| build.workdir.join(p))
            .find(|p| p.exists())
            .unwrap_or_else(|| build.workdir.join(paths.first().map_or("", |p| p.as_str())))
    }

    /// The static files of a build, per `output.static`.
    pub fn static_dir(&self, build: &Build) -> PathBuf {
        build.workdir.join(&self.output.static_dir)
    }

    /// How long the server may take to become ready.
    pub fn ready_timeout(&self) -> std::time::Duration {
        match self.serve.ready_timeout {
            Some(secs) => std::time::Duration::from_secs(secs),
            None => super::ready_timeout(),
        }
    }
}

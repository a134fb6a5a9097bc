//! What an adapter profile adds to an install: its packages on top of a stack, locked per
//! stack, and the check that they were installed at their pinned versions.

use std::fs;
use std::path::PathBuf;

use crate::pipeline::install::stack::{InstalledStack, Stack};

use crate::error::read_json;
use crate::pipeline::discover::adapter::{Profile, ProfileError};

impl Profile {
    /// The folder with this adapter's package.json and lockfile for `stack`.
    pub fn lock_dir(&self, stack: &Stack) -> PathBuf {
        self.dir().join(&self.name).join(&stack.name)
    }

    /// The package.json of `stack` with this adapter's packages added.
    pub fn manifest(&self, stack: &Stack) -> Result<serde_json::Value, ProfileError> {
        let path = stack.dir.join("package.json");
        let mut manifest: serde_json::Value = read_json(&path)?;
        manifest["name"] = format!("astro-conform-{}-{}", stack.name, self.name).into();
        manifest["description"] = format!("stack {} with {}", stack.name, self.description).into();
        if let Some(obj) = manifest.as_object_mut() {
            obj.remove("astro-conform");
        }
        let deps = manifest
            .pointer_mut("/dependencies")
            .and_then(|d| d.as_object_mut());
        if let Some(deps) = deps {
            for (package, version) in &self.packages {
                deps.insert(package.clone(), version.clone().into());
            }
            deps.sort_keys();
        }
        Ok(manifest)
    }

    /// What to install for `stack`: the stack itself when the profile adds no packages,
    /// else the committed lock folder (checked against the profile and the stack).
    pub fn install_source(&self, stack: &Stack) -> Result<Stack, ProfileError> {
        if self.packages.is_empty() {
            return Ok(stack.clone());
        }
        let dir = self.lock_dir(stack);
        let no_lock = || ProfileError::NoLock {
            adapter: self.name.clone(),
            stack: stack.name.clone(),
            dir: dir.clone(),
        };
        if !dir.join("package-lock.json").is_file() {
            return Err(no_lock());
        }
        let file = dir.join("package.json");
        let written: serde_json::Value = fs::read_to_string(&file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(no_lock)?;
        let expected = self.manifest(stack)?;
        for key in ["dependencies", "engines"] {
            if written.get(key) != expected.get(key) {
                return Err(ProfileError::StaleLock {
                    adapter: self.name.clone(),
                    stack: stack.name.clone(),
                    file,
                    detail: format!(
                        "`{key}` is {}, expected {}",
                        written.get(key).unwrap_or(&serde_json::Value::Null),
                        expected.get(key).unwrap_or(&serde_json::Value::Null)
                    ),
                });
            }
        }
        Ok(Stack::load(&dir).map_err(Box::new)?)
    }

    /// Checks that every package of the profile is installed (at its pinned version, when
    /// it names one).
    pub fn check_installed(&self, installed: &InstalledStack) -> Result<(), ProfileError> {
        for (package, version) in &self.packages {
            let path = installed.node_modules.join(package).join("package.json");
            let found = fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["version"].as_str().map(str::to_string));
            let pinned = !version.starts_with("file:");
            if found.is_none() || (pinned && found.as_deref() != Some(version.as_str())) {
                return Err(ProfileError::MissingPackage {
                    adapter: self.name.clone(),
                    package: package.clone(),
                    version: version.clone(),
                    modules: installed.node_modules.clone(),
                });
            }
        }
        Ok(())
    }
}

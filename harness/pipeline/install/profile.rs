//! What an adapter profile adds to an install: its packages on top of a stack, locked per
//! stack, and the check that they were installed at their pinned versions.

use std::fs;
use std::path::PathBuf;

use crate::pipeline::install::stack::{InstalledStack, Stack, StackError};

use crate::error::{IoError, read_json};
use crate::pipeline::discover::adapter::Profile;

/// Errors of adding an adapter profile's packages to a stack.
#[derive(Debug, thiserror::Error)]
pub enum AdapterInstallError {
    #[error(
        "adapter `{adapter}` has no lockfile for stack `{stack}` ({}); create it with `astro-conform lock {adapter} --stack {stack}` (needs the npm registry)",
        dir.display()
    )]
    NoLock {
        adapter: String,
        stack: String,
        dir: PathBuf,
    },
    #[error(
        "{} does not match adapter `{adapter}` on stack `{stack}` ({detail}); regenerate it with `astro-conform lock {adapter} --stack {stack}`",
        file.display()
    )]
    StaleLock {
        adapter: String,
        stack: String,
        file: PathBuf,
        detail: String,
    },
    #[error("adapter `{adapter}`: package {package} {version} is not installed in {} after npm ci", modules.display())]
    MissingPackage {
        adapter: String,
        package: String,
        version: String,
        modules: PathBuf,
    },
    #[error(transparent)]
    Stack(#[from] Box<StackError>),
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Profile {
    /// The folder with this adapter's package.json and lockfile for `stack`.
    pub fn lock_dir(&self, stack: &Stack) -> PathBuf {
        self.dir().join(&self.name).join(&stack.name)
    }

    /// The package.json of `stack` with this adapter's packages added.
    pub fn manifest(&self, stack: &Stack) -> Result<serde_json::Value, AdapterInstallError> {
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
    pub fn install_source(&self, stack: &Stack) -> Result<Stack, AdapterInstallError> {
        if self.packages.is_empty() {
            return Ok(stack.clone());
        }
        let dir = self.lock_dir(stack);
        let no_lock = || AdapterInstallError::NoLock {
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
                return Err(AdapterInstallError::StaleLock {
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
    pub fn check_installed(&self, installed: &InstalledStack) -> Result<(), AdapterInstallError> {
        for (package, version) in &self.packages {
            let path = installed.node_modules.join(package).join("package.json");
            let found = fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["version"].as_str().map(str::to_string));
            let pinned = !version.starts_with("file:");
            if found.is_none() || (pinned && found.as_deref() != Some(version.as_str())) {
                return Err(AdapterInstallError::MissingPackage {
                    adapter: self.name.clone(),
                    package: package.clone(),
                    version: version.clone(),
                    modules: installed.node_modules.clone(),
                });
            }
        }
        Ok(())
    }

    /// Why this profile does not run on `stack`, if it does not.
    pub fn not_applicable(&self, stack: &Stack, default_stacks: &[String]) -> Option<String> {
        let listed = match &self.stacks {
            Some(list) => list.contains(&stack.name),
            None => default_stacks.contains(&stack.name),
        };
        if !listed {
            let on = self
                .stacks
                .as_ref()
                .map_or("the default stacks".to_string(), |l| l.join(", "));
            return Some(format!("adapter `{}` runs on {on}", self.name));
        }
        let (Some(req), Some(version)) = (&self.astro, &stack.astro) else {
            return None;
        };
        (!req.matches(version)).then(|| {
            format!(
                "adapter `{}` supports astro {req}; stack {} has {version}",
                self.name, stack.name
            )
        })
    }
}

//! Helpers shared by the test binaries: install a stack, build a fixture.
#![allow(dead_code)]

use astro_conform::paths;
use astro_conform::pipeline::build::{self, Adapter, Build, BuildRequest};
use astro_conform::pipeline::install::stack::{self, InstalledStack, Tools};

/// The stack `name` of `stacks/`, installed (cached after the first time).
pub(crate) fn installed(name: &str) -> InstalledStack {
    let stack = stack::find(&paths::stacks_dir(), name).unwrap();
    stack::install(&stack, &Tools::from_env().unwrap(), &|_| {}).unwrap()
}

/// The cached build of `fixtures/<fixture>`; panics with the log tail if it failed.
pub(crate) fn built_fixture(fixture: &str, installed: &InstalledStack, adapter: Adapter) -> Build {
    let build = build::build(&BuildRequest {
        label: fixture,
        project: &paths::fixtures_dir().join(fixture),
        stack: installed,
        adapter: &adapter,
        use_cache: true,
    })
    .unwrap();
    assert!(build.succeeded, "{}", build.log_tail());
    build
}

//! Helpers shared by the test modules: the stacks and builds of one shared session, the
//! CLI runner, files, process checks, the machine lock, and the mutant front.

pub(crate) mod mutant;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, LazyLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use astro_conform::paths;
use astro_conform::pipeline::build::{Adapter, Build};
use astro_conform::pipeline::install::stack::{self, InstalledStack};
use astro_conform::pipeline::session::Session;

/// Installs and builds shared by every test of this binary. It is never dropped, so tests
/// start their servers themselves (their `Server`s stop when dropped), never through it.
static SESSION: LazyLock<Session> = LazyLock::new(Session::default);

/// Tests that measure time hold it alone; every other test shares it, so no timing test
/// runs beside builds, servers or other CPU work on a 2-core machine.
static MACHINE: RwLock<()> = RwLock::new(());

/// Taken by every test that is not a timing test.
pub(crate) fn shared_machine() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Taken by timing tests: nothing else of this binary runs meanwhile.
pub(crate) fn whole_machine() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().unwrap_or_else(PoisonError::into_inner)
}

/// The stack `name` of `stacks/`, installed (cached after the first time).
pub(crate) fn installed(name: &str) -> InstalledStack {
    let stack = stack::find(&paths::stacks_dir(), name).unwrap();
    SESSION
        .installed(&stack, None)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The cached build of `fixtures/<fixture>`; panics with the log tail if it failed.
pub(crate) fn built_fixture(
    fixture: &str,
    installed: &InstalledStack,
    adapter: Adapter,
) -> Arc<Build> {
    let project = paths::fixtures_dir().join(fixture);
    let build = SESSION
        .build(&project, installed, &adapter)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(build.succeeded, "{}", build.log_tail());
    build
}

/// Runs the `astro-conform` binary with `args` and extra environment.
pub(crate) fn astro_conform(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_astro-conform"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// Stdout and stderr as text.
pub(crate) fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `files` (path relative to `root`, contents) under `root`.
pub(crate) fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, body) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
}

/// Every process id on the machine.
fn pids() -> impl Iterator<Item = u32> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
}

/// Process ids whose command line mentions `needle`.
pub(crate) fn processes_mentioning(needle: &str) -> Vec<u32> {
    pids()
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The processes whose parent is `pid`.
pub(crate) fn children(pid: u32) -> Vec<u32> {
    pids()
        .filter(|child| {
            let stat = fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // pid (comm) state ppid …: the comm may hold spaces, so read after its `)`.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(pid)
        })
        .collect()
}

/// True while `pid` runs (a zombie does not count).
pub(crate) fn alive(pid: u32) -> bool {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty() && !stat.contains(") Z ")
}

/// A folder of one outside fixture, `mine`: a prerendered home page and an on-demand page.
pub(crate) fn outside_fixtures(root: &Path) -> std::path::PathBuf {
    let dir = root.join("my-fixtures");
    write(
        &dir.join("mine"),
        &[
            ("astro.config.mjs", "export default { output: 'static' };\n"),
            ("src/pages/index.astro", "<h1>home</h1>\n"),
            (
                "src/pages/live.astro",
                "---\nexport const prerender = false;\n---\n<p class=\"now\">{Date.now()}</p>\n",
            ),
            (
                "case.toml",
                "description = \"an outside fixture\"\n\n[[request]]\nname = \"live renders per request\"\npath = \"/live\"\nexpect.status = 200\nexpect.varies = true\n",
            ),
        ],
    );
    dir
}

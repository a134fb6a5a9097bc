//! The npm packages: `npm/pack.sh` packs this build's binary; new sites install the
//! tarballs with npm and run them with no `cargo` on `PATH`: the `astro-conform` command
//! (a launcher that finds the platform package's binary) and the Astro integration, which
//! prints the ▶/λ listing at the end of the site's own `astro build` and fails it when a
//! route's mode differs from `astro-conform.toml`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{alive, children, installed, processes_mentioning, text, write};

/// The two tarballs, packed once per test run: (main package, platform package).
fn tarballs() -> &'static (PathBuf, PathBuf) {
    static PACKED: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    PACKED.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-tarballs");
        let _ = std::fs::remove_dir_all(&out);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("npm/pack.sh");
        let packed = Command::new("bash")
            .arg(script)
            .arg(&out)
            .arg(env!("CARGO_BIN_EXE_astro-conform"))
            .output()
            .unwrap();
        let (stdout, stderr) = text(&packed);
        assert!(packed.status.success(), "{stdout}{stderr}");
        let version = env!("CARGO_PKG_VERSION");
        let main = out.join(format!("astro-conform-{version}.tgz"));
        let platform = out.join(format!("astro-conform-linux-x64-{version}.tgz"));
        assert!(main.is_file() && platform.is_file(), "{stdout}");
        (main, platform)
    })
}

/// `PATH` without any folder that holds `cargo`, with `node_dir` first when given.
fn path_without_cargo(node_dir: Option<&Path>) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept = std::env::split_paths(&path).filter(|dir| !dir.join("cargo").exists());
    std::env::join_paths(node_dir.map(Path::to_path_buf).into_iter().chain(kept)).unwrap()
}

/// A site: its folder and the `PATH` its commands run with.
struct Site {
    dir: PathBuf,
    path: OsString,
}

impl Site {
    /// A copy of `from`, its own packages installed with `npm ci`, then the tarballs.
    fn install(from: &Path, to: &Path, node_dir: Option<&Path>) -> Self {
        astro_conform::paths::copy_dir(from, to).unwrap();
        let site = Self {
            dir: to.to_path_buf(),
            path: path_without_cargo(node_dir),
        };
        site.npm_ok(&["ci", "--prefer-offline", "--no-audit", "--no-fund"]);
        let (main, platform) = tarballs();
        let (main, platform) = (main.to_str().unwrap(), platform.to_str().unwrap());
        let add = [
            "install",
            "-D",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
        ];
        site.npm_ok(&[&add[..], &[main, platform]].concat());
        site
    }

    fn command(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .env("PATH", &self.path)
            .output()
            .unwrap()
    }

    fn npm_ok(&self, args: &[&str]) -> String {
        let out = self.command("npm", args);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "npm {args:?}: {stdout}{stderr}");
        stdout
    }

    /// `npx astro-conform ARGS`, from the installed package only.
    fn npx(&self, args: &[&str]) -> Output {
        self.command("npx", &[&["--no-install", "astro-conform"], args].concat())
    }

    /// `npm run build`: the site's own `astro build`.
    fn build(&self) -> Output {
        self.command("npm", &["run", "build"])
    }

    fn set_prerender(&self, page: &str, from: bool, to: bool) {
        let file = self.dir.join(page);
        let text = std::fs::read_to_string(&file).unwrap();
        let (from, to) = (format!("prerender = {from}"), format!("prerender = {to}"));
        assert!(text.contains(&from), "{page}: {text}");
        std::fs::write(&file, text.replace(&from, &to)).unwrap();
    }
}

fn all_text(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    format!("{stdout}{stderr}")
}

#[test]
fn a_new_astro5_site_runs_the_packed_command_and_integration_without_cargo() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("harness/tests/npm-site");
    let site = Site::install(&from, &root.path().join("site"), None);

    let version = site.npx(&["--version"]);
    assert_eq!(
        text(&version).0.trim(),
        format!("astro-conform {}", env!("CARGO_PKG_VERSION")),
        "{}",
        all_text(&version)
    );
    let classify = site.npx(&["classify", "."]);
    let listing = "▶ src/pages/index.astro\n  └─ /index.html\nλ src/pages/me.astro\n";
    assert!(
        text(&classify).0.ends_with(listing),
        "{}",
        all_text(&classify)
    );

    // The site's own build prints the same listing, from the same probe.
    let build = site.build();
    assert!(build.status.success(), "{}", all_text(&build));
    assert!(text(&build).0.contains(listing), "{}", all_text(&build));

    let init = site.npx(&["init"]);
    assert!(init.status.success(), "{}", all_text(&init));
    let check = site.npx(&["check"]);
    assert!(check.status.success(), "{}", all_text(&check));
    assert!(
        text(&check).0.contains("3 passed, 0 failed"),
        "{}",
        all_text(&check)
    );

    // The on-demand page is now prerendered: check fails on routes, the build fails too.
    site.set_prerender("src/pages/me.astro", false, true);
    let check = site.npx(&["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", all_text(&check));
    assert!(
        text(&check).0.contains("FAIL routes"),
        "{}",
        all_text(&check)
    );
    let build = site.build();
    assert!(!build.status.success(), "{}", all_text(&build));
    let said = "[routes] expects λ src/pages/me.astro, but Astro decided ▶";
    assert!(all_text(&build).contains(said), "{}", all_text(&build));
    let toml = site.dir.join("astro-conform.toml");
    assert!(
        all_text(&build).contains(&format!("{}:", toml.display())),
        "names the file and line: {}",
        all_text(&build)
    );

    assert_the_action_reports(&site, "astro-conform.toml");
    assert_launcher_takes_the_binary_down(&site);

    // Without the platform package, the command says what is missing and how to get it.
    let platform = site.dir.join("node_modules/astro-conform-linux-x64");
    std::fs::rename(&platform, site.dir.join("platform-away")).unwrap();
    let missing = site.npx(&["--version"]);
    assert_eq!(missing.status.code(), Some(3), "{}", all_text(&missing));
    let said = "the package astro-conform-linux-x64, which holds the astro-conform binary";
    assert!(text(&missing).1.contains(said), "{}", all_text(&missing));
    assert!(
        text(&missing).1.contains("--omit=optional"),
        "{}",
        all_text(&missing)
    );
}

/// The GitHub Action's two steps (`ci/action/`), run as a runner would, on a failing site:
/// the project's own `astro-conform` is put on PATH, `check` exits 1 with an annotation on
/// the site's file, the matrix goes into the job summary and the JUnit file is written.
fn assert_the_action_reports(site: &Site, case_file: &str) {
    let runner = tempfile::tempdir().unwrap();
    let file = |name: &str| runner.path().join(name);
    std::fs::create_dir(file("temp")).unwrap();
    let step = |script: &str, env: &[(&str, &str)]| {
        let action = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ci/action")
            .join(script);
        let github_path = std::fs::read_to_string(file("path")).unwrap_or_default();
        let path = std::env::join_paths(
            github_path
                .lines()
                .map(PathBuf::from)
                .chain(std::env::split_paths(&site.path)),
        )
        .unwrap();
        let mut command = Command::new("bash");
        command
            .arg(action)
            .current_dir(&site.dir)
            .env("PATH", path)
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_TEMP", file("temp"))
            .env("GITHUB_PATH", file("path"))
            .env("GITHUB_STEP_SUMMARY", file("summary"))
            .env("GITHUB_OUTPUT", file("output"));
        command.envs(env.iter().copied()).output().unwrap()
    };
    let install = step("install.sh", &[("INPUT_WORKING_DIRECTORY", ".")]);
    assert!(install.status.success(), "{}", all_text(&install));
    let run = step(
        "run.sh",
        &[("INPUT_COMMAND", "check"), ("INPUT_ARGS", "--adapter node")],
    );
    assert_eq!(run.status.code(), Some(1), "{}", all_text(&run));
    let annotation = format!("::error file={case_file},line=");
    assert!(text(&run).0.contains(&annotation), "{}", all_text(&run));
    let summary = std::fs::read_to_string(file("summary")).unwrap();
    assert!(summary.contains("| `routes` | ❌ [1] |"), "{summary}");
    let output = std::fs::read_to_string(file("output")).unwrap();
    let report = output.trim().strip_prefix("report-dir=").unwrap();
    let junit = std::fs::read_to_string(Path::new(report).join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"1\""), "{junit}");
}

/// A launcher killed by SIGKILL cannot pass a signal on: the binary, and the build it
/// started, end anyway.
fn assert_launcher_takes_the_binary_down(site: &Site) {
    let mut launcher = Command::new(site.dir.join("node_modules/.bin/astro-conform"))
        .args(["classify", ".", "--rebuild"])
        .current_dir(&site.dir)
        .env("PATH", &site.path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // This site's binary (its path is absolute), once it has started a build.
    let binary = format!(
        "{}/node_modules/astro-conform-linux-x64/bin",
        site.dir.display()
    );
    let started = Instant::now();
    let (binaries, builds) = loop {
        let binaries = processes_mentioning(&binary);
        let builds: Vec<u32> = binaries.iter().flat_map(|&pid| children(pid)).collect();
        if !builds.is_empty() {
            break (binaries, builds);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no build started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    launcher.kill().unwrap();
    launcher.wait().unwrap();
    let started = Instant::now();
    while binaries.iter().chain(&builds).any(|&pid| alive(pid)) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the binary or its build outlived the launcher"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_integration_prints_and_checks_an_astro7_sites_own_build() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    // Astro 7 needs Node 22: the toolchain the astro7 stack runs on comes first on PATH.
    let node = installed("astro7").node.binary;
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/shop-svelte");
    let site = Site::install(&from, &root.path().join("shop"), node.parent());
    let config = site.dir.join("astro.config.mjs");
    let text_of_config = std::fs::read_to_string(&config).unwrap();
    let with_integration = text_of_config
        .replace(
            "import svelte",
            "import conform from 'astro-conform/integration';\nimport svelte",
        )
        .replace(
            "integrations: [svelte()]",
            "integrations: [svelte(), conform()]",
        );
    assert_ne!(with_integration, text_of_config);
    std::fs::write(&config, with_integration).unwrap();
    write(
        &site.dir,
        &[(
            "astro-conform.toml",
            "[routes]\n\"src/pages/thanks.astro\" = \"▶\"\n\"src/pages/index.astro\" = \"λ\"\n",
        )],
    );

    let build = site.build();
    assert!(build.status.success(), "{}", all_text(&build));
    let listed = "▶ src/pages/thanks.astro\n  └─ /thanks/index.html\n";
    assert!(text(&build).0.contains(listed), "{}", all_text(&build));
    assert!(
        text(&build).0.contains("λ src/pages/index.astro\n"),
        "{}",
        all_text(&build)
    );

    site.set_prerender("src/pages/thanks.astro", true, false);
    let build = site.build();
    assert!(!build.status.success(), "{}", all_text(&build));
    let said = "[routes] expects ▶ src/pages/thanks.astro, but Astro decided λ";
    assert!(all_text(&build).contains(said), "{}", all_text(&build));
}

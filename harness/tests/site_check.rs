//! A site team's path: `init` writes astro-conform.toml from what a site does, `check`
//! runs it against the site built with its own packages, and fails when the site changes.

use std::path::Path;

use crate::support::{astro_conform, text, write};

/// A copy of `sites/shop-svelte` (its own lockfile; packages installed into the cache).
fn shop(root: &Path) -> std::path::PathBuf {
    let to = root.join("shop");
    astro_conform::paths::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/shop-svelte"),
        &to,
    )
    .unwrap();
    to
}

#[test]
fn init_writes_checks_that_pass_and_check_fails_when_the_site_changes() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let site = shop(root.path());
    let dir = site.to_str().unwrap();
    let out = astro_conform(&["check", dir, "--install"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no astro-conform.toml is bad input"
    );
    assert!(
        text(&out).1.contains("astro-conform init"),
        "{:?}",
        text(&out)
    );

    let out = astro_conform(&["init", dir, "--install"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let written = std::fs::read_to_string(site.join("astro-conform.toml")).unwrap();
    assert!(
        written.contains("\"src/pages/thanks.astro\" = \"▶\""),
        "{written}"
    );
    assert!(
        written.contains("path = \"/api/items\"\nexpect.status = 200"),
        "{written}"
    );
    let again = astro_conform(&["init", dir, "--install"], &[]);
    assert!(
        text(&again).1.contains("pass --force"),
        "init must not overwrite"
    );

    let out = astro_conform(&["check", dir, "--install"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("ok   routes\n"), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");

    // The page that was prerendered now renders on demand.
    let thanks = site.join("src/pages/thanks.astro");
    let page = std::fs::read_to_string(&thanks).unwrap();
    std::fs::write(
        &thanks,
        page.replace("prerender = true", "prerender = false"),
    )
    .unwrap();
    let out = astro_conform(&["check", dir, "--install", "--annotations"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("FAIL routes"), "{stdout}");
    // Annotated on the route's own line of [routes], in the site's own file.
    let routes_line = written
        .lines()
        .position(|l| l.starts_with("\"src/pages/thanks.astro\""))
        .unwrap()
        + 1;
    let annotation = format!(
        "::error file={},line={routes_line},col=1,title=routes (routes.src/pages/thanks.astro)::",
        site.join("astro-conform.toml").display()
    );
    assert!(stdout.contains(&annotation), "{annotation}\n{stdout}");
    assert!(
        stderr.contains("[routes] expects ▶ src/pages/thanks.astro, but Astro decided λ"),
        "{stderr}"
    );
}

#[test]
fn a_bad_site_file_names_its_line_and_key() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        &[
            ("src/pages/index.astro", "<h1>x</h1>\n"),
            (
                "astro-conform.toml",
                "[routes]\n\"src/pages/index.astro\" = \"▶\"\n\n[[request]]\nname = \"home\"\npath = \"/\"\nexpect.stauts = 200\n",
            ),
        ],
    );
    let out = astro_conform(&["check", root.path().to_str().unwrap()], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("astro-conform.toml:7:"), "{stderr}");
    assert!(stderr.contains("unknown field `stauts`"), "{stderr}");
}

/// A static blog with no adapter package (sites/notes-mdx, like Astro's examples/blog):
/// `init` and `check` build it as its own `astro build` does, and an on-demand page fails
/// the build as it fails the site's own (`NoAdapterInstalled`), not a build of ours.
#[test]
fn a_site_without_an_adapter_package_is_checked_as_its_own_build_builds_it() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("notes");
    astro_conform::paths::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/notes-mdx"),
        &site,
    )
    .unwrap();
    let dir = site.to_str().unwrap();
    let out = astro_conform(&["init", dir, "--install"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let out = astro_conform(&["check", dir, "--install"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("ok   routes\n"), "{stdout}");

    write(
        &site,
        &[(
            "src/pages/me.astro",
            "---\nexport const prerender = false;\n---\n<h1>me</h1>\n",
        )],
    );
    let out = astro_conform(&["check", dir, "--install"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("FAIL build"), "{stdout}");
    assert!(stderr.contains("NoAdapterInstalled"), "{stderr}");
}

/// A site whose server needs a secret (astro:env): `init` names what the server logged for
/// the route that failed, `[server] env` gives the secret to the server only, and
/// `init --force` keeps that table.
#[test]
fn a_secret_the_server_needs_is_named_by_init_and_given_in_server_env() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let site = shop(root.path());
    let dir = site.to_str().unwrap();
    let config = site.join("astro.config.mjs");
    let text_of = |p: &Path| std::fs::read_to_string(p).unwrap();
    let with_env = text_of(&config)
        .replace("import { defineConfig }", "import { defineConfig, envField }")
        .replace(
            "output: 'server',",
            "output: 'server',\n  env: { schema: { SHOP_SECRET: envField.string({ context: 'server', access: 'secret' }) } },",
        );
    std::fs::write(&config, with_env).unwrap();
    write(
        &site,
        &[(
            "src/pages/secret.astro",
            "---\nimport { SHOP_SECRET } from 'astro:env/server';\n---\n<p id=\"secret\">{SHOP_SECRET}</p>\n",
        )],
    );

    let out = astro_conform(&["init", dir, "--install"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let written = text_of(&site.join("astro-conform.toml"));
    assert!(
        written.contains("it answered 500 (server log:") && written.contains("SHOP_SECRET"),
        "{written}"
    );
    assert!(written.contains("# [server]\n# env = "), "{written}");

    // A secret in the shell that runs the harness never reaches the server...
    let request = "\n[[request]]\nname = \"the secret page\"\npath = \"/secret\"\nexpect.html = [{ select = \"#secret\", text = \"from-the-case\" }]\n";
    let file = site.join("astro-conform.toml");
    std::fs::write(&file, written.clone() + request).unwrap();
    let shell = [("SHOP_SECRET", "from-the-shell")];
    let out = astro_conform(&["check", dir, "--install"], &shell);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("FAIL http/the-secret-page"), "{stdout}");
    // ...the case's `[server] env` does.
    let server = "\n[server]\nenv = { SHOP_SECRET = \"from-the-case\" }\n";
    std::fs::write(&file, written + server + request).unwrap();
    let out = astro_conform(&["check", dir, "--install"], &shell);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("ok   http/the-secret-page"), "{stdout}");

    let out = astro_conform(&["init", dir, "--install", "--force"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let again = text_of(&site.join("astro-conform.toml"));
    assert!(
        again.contains("[server]\nenv = { SHOP_SECRET = \"from-the-case\" }"),
        "{again}"
    );
    assert!(
        again.contains("path = \"/secret\"\nexpect.status = 200"),
        "{again}"
    );
}

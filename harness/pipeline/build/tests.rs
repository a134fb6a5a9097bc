//! Unit tests of the parent module.

use super::*;
use crate::pipeline::discover::adapter::Profile;

#[test]
fn the_wrapper_keeps_the_project_config_and_adds_adapter_and_probe() {
    let w = wrapper_config(Some("astro.config.mjs"), &Adapter::node());
    assert!(w.contains("import projectConfig from '../astro.config.mjs';"));
    assert!(w.contains("import node from '@astrojs/node';"));
    assert!(w.contains("adapter: config.adapter ?? node({ mode: 'standalone' })"));
    assert!(w.contains("astroConformProbe()]"));
    let w = wrapper_config(None, &Adapter::None);
    assert!(w.contains("const projectConfig = {};"));
    assert!(w.contains("adapter: config.adapter ?? undefined"));
    assert!(!w.contains("@astrojs/node"));
}

#[test]
fn project_files_skip_outputs_caches_and_the_case_file() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "src/pages/index.astro",
        "node_modules/x/y.js",
        "dist/index.html",
        ".astro/t.d.ts",
        "astro.config.mjs",
        "case.toml",
        "astro-conform.toml",
        "src/data/case.toml",
    ] {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x").unwrap();
    }
    assert_eq!(
        project_files(dir.path()),
        vec![
            PathBuf::from("astro.config.mjs"),
            PathBuf::from("src/data/case.toml"),
            PathBuf::from("src/pages/index.astro")
        ]
    );
}

#[test]
fn a_folder_that_is_not_a_project_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("README.md"), "hi").unwrap();
    let msg = check_project(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("is not an Astro project"), "{msg}");
    fs::write(dir.path().join("astro.config.ts"), "export default {}").unwrap();
    check_project(dir.path()).unwrap();
}

/// The probe's hash finder, run by the machine's `node`: the hash is found by the
/// bundler's pattern, whatever its letters, and a name without `[hash]` is left alone.
#[test]
fn the_probe_finds_a_hash_by_the_bundlers_pattern_not_by_its_letters() {
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe.mjs");
    fs::write(&probe, PROBE_SOURCE).unwrap();
    let script = r#"
const { redactHash } = await import(process.argv[1]);
const cases = [
  ['chunks/[name]_[hash].mjs', 'chunks/explicit-false_nkiupir-.mjs'],
  ['chunks/[name]_[hash].mjs', 'chunks/_id__DLnqq_Pr.mjs'],
  ['_astro/[name].[hash][extname]', '_astro/index.DdF3x2Kq.css'],
  ['[name].[hash:10].js', 'a.b.0123456789.js'],
  ['[name].mjs', 'noop-entrypoint.mjs'],
  ['chunks/[name]_[hash].mjs', 'pages/other.mjs'],
];
console.log(JSON.stringify(cases.map(([p, f]) => redactHash(p, f))));
"#;
    let out = std::process::Command::new("node")
        .args(["--input-type=module", "-e", script])
        .arg(url_of(&probe))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["chunks/explicit-false_[hash].mjs","chunks/_id__[hash].mjs","_astro/index.[hash].css","a.b.[hash].js",null,null]"#
    );
}

fn url_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A node profile, with `expression` as its `adapter`.
fn node_profile(expression: &str) -> Profile {
    let text = format!(
        "description = \"node\"\n[config]\nimport = \"import node from '@astrojs/node';\"\nadapter = \"{expression}\"\nbuild_env = {{ XDG_CONFIG_HOME = \"{{project}}/.xdg\" }}\n[output]\nstatic = \"dist/client\"\nentry = \"dist/server/entry.mjs\"\n[serve]\ncommand = [\"{{node}}\", \"{{entry}}\"]\n"
    );
    Profile::parse(Path::new("adapters/x.toml"), &text).unwrap()
}

#[test]
fn adapter_options_go_where_the_expression_has_room_for_them() {
    let with_room = node_profile("node({ mode: 'standalone', ...{options} })");
    let plain = node_profile("node({ mode: 'standalone' })");
    // Without options the expression is the plain one, so builds stay shared.
    assert_eq!(Adapter::of(&with_room), Adapter::of(&plain));
    let options = toml::from_str("experimentalDisableStreaming = true").unwrap();
    let Some(Adapter::Added {
        expression,
        build_env,
        ..
    }) = Adapter::with_options(&with_room, &options)
    else {
        panic!("options fit");
    };
    assert_eq!(
        expression,
        "node({ mode: 'standalone', ...{\"experimentalDisableStreaming\":true} })"
    );
    assert_eq!(
        build_env,
        [("XDG_CONFIG_HOME".to_string(), "{project}/.xdg".to_string())]
    );
    assert_eq!(
        Adapter::with_options(&plain, &options),
        None,
        "no room, no options"
    );
}

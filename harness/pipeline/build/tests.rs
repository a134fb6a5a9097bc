//! Unit tests of the parent module.

use super::*;

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
fn project_files_skip_outputs_and_caches() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "src/pages/index.astro",
        "node_modules/x/y.js",
        "dist/index.html",
        ".astro/t.d.ts",
        "astro.config.mjs",
    ] {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x").unwrap();
    }
    assert_eq!(
        project_files(dir.path()),
        vec![
            PathBuf::from("astro.config.mjs"),
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

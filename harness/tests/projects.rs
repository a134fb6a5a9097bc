//! Projects with their own packages (`sites/`, written in the shape of Astro's example
//! sites, with their own lockfiles and packages beyond any stack): `classify --install`
//! installs them with `npm ci` into the cache and builds with them, as their own
//! `npx astro build` would.

use std::path::Path;

use crate::support::{astro_conform, text, write};

fn site(name: &str) -> String {
    format!("{}/sites/{name}", env!("CARGO_MANIFEST_DIR"))
}

const SHOP: &str = "\
# astro 7.3.5 (the project's own packages)
λ src/pages/api/items.ts
λ src/pages/api/items/[id].ts
λ src/pages/index.astro
λ src/pages/items/[id].astro
λ src/pages/order.ts
▶ src/pages/thanks.astro
  └─ /thanks/index.html
";

const NOTES: &str = "\
# astro 7.3.5 (the project's own packages)
▶ src/pages/about.md
  └─ /about/index.html
▶ src/pages/index.astro
  └─ /index.html
▶ src/pages/notes/[...id].astro
  ├─ /notes/plain/index.html
  └─ /notes/with-parts/index.html
▶ src/pages/rss.xml.js
  └─ /rss.xml
";

#[test]
fn sites_with_their_own_packages_classify_as_astro_decides() {
    let _machine = crate::support::shared_machine();
    for (name, expected) in [("shop-svelte", SHOP), ("notes-mdx", NOTES)] {
        let out = astro_conform(&["classify", &site(name), "--install"], &[]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}: {stderr}");
        assert_eq!(stdout, expected, "{name}");
        assert!(
            !Path::new(&site(name)).join("node_modules").exists(),
            "{name}: --install must not write into the project"
        );
    }
}

#[test]
fn a_lockfile_without_its_packages_says_how_to_install_them() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let lock = std::fs::read_to_string(format!("{}/package-lock.json", site("notes-mdx"))).unwrap();
    let manifest = std::fs::read_to_string(format!("{}/package.json", site("notes-mdx"))).unwrap();
    write(
        dir.path(),
        &[
            ("package.json", &manifest),
            ("package-lock.json", &lock),
            ("src/pages/index.astro", "<h1>x</h1>\n"),
        ],
    );
    let out = astro_conform(&["classify", dir.path().to_str().unwrap()], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("package-lock.json"), "{stderr}");
    assert!(stderr.contains("`npm ci`"), "{stderr}");
    assert!(stderr.contains("--install"), "{stderr}");
}

//! Unit tests of the parent module.

use super::deviations::wildcard_match;
use super::*;

const NODE: &str = r#"
description = "node"
[config]
import = "import node from '@astrojs/node';"
adapter = "node({ mode: 'standalone' })"
[output]
static = "dist/client"
entry = "dist/server/entry.mjs"
[serve]
command = ["{node}", "{entry}"]
env = { HOST = "{host}", PORT = "{port}" }
"#;

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::parse(Path::new("adapters/x.toml"), text)
}

#[test]
fn a_minimal_profile_parses() {
    let p = parse(NODE).unwrap();
    assert_eq!(p.name, "x");
    assert_eq!(p.runner, Runner::Adapter);
    assert!(p.packages.is_empty());
}

#[test]
fn bad_profiles_name_file_line_and_key() {
    let msg = parse(&format!("{NODE}colour = 1\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("adapters/x.toml:"), "{msg}");
    assert!(msg.contains("unknown field `colour`"), "{msg}");
    let msg = parse(&NODE.replace("{entry}\"]", "{entri}\"]"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("unknown placeholder `{entri}`"), "{msg}");
    assert!(msg.starts_with("adapters/x.toml:10:"), "{msg}");
    let msg = parse(&format!("{NODE}[packages]\nwrangler = \"^4\"\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not `^4`"), "{msg}");
    let msg = parse(&format!("{NODE}[deviations]\n\"routing\" = \"x\"\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("stack/fixture/check"), "{msg}");
    let msg = parse(&NODE.replace(
        "description = \"node\"",
        "description = \"astro node\"\nastro = \"five\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(msg.starts_with("adapters/x.toml:3:"), "{msg}");
    let msg = parse(&NODE.replace("[serve]", "[serv]"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("serv"), "{msg}");
}

#[test]
fn deviations_by_behaviour_name_a_known_tag() {
    use crate::pipeline::discover::request::Tag;
    let p = parse(&format!(
        "{NODE}[deviations]\n\"tag:not-found-page\" = \"no 404 page\"\n\"*/x/routes\" = \"r\"\n"
    ))
    .unwrap();
    assert_eq!(
        p.tag_deviations,
        [(Tag::NotFoundPage, "no 404 page".to_string())]
    );
    assert_eq!(p.deviations.len(), 1, "tags are not patterns");
    assert_eq!(
        p.tag_deviation(&[Tag::Streaming, Tag::NotFoundPage]),
        Some((Tag::NotFoundPage, "no 404 page"))
    );
    assert_eq!(p.tag_deviation(&[Tag::Streaming]), None);
    let msg = parse(&format!("{NODE}[deviations]\n\"tag:not-found\" = \"x\"\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("adapters/x.toml:13:1:"), "{msg}");
    assert!(
        msg.contains("names no known behaviour; known tags: unlisted-static-path,"),
        "{msg}"
    );
}

#[test]
fn a_lacking_behaviour_makes_its_requests_not_applicable() {
    use crate::pipeline::discover::request::Tag;
    let p = parse(&format!(
        "{NODE}[lacks]\nstreaming = \"buffers every response\"\n"
    ))
    .unwrap();
    assert_eq!(
        p.lacking(&[Tag::Base, Tag::Streaming]).as_deref(),
        Some("x lacks `streaming`: buffers every response")
    );
    assert_eq!(p.lacking(&[Tag::Base]), None);
    let msg = parse(&format!("{NODE}[lacks]\nstreeming = \"x\"\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("adapters/x.toml:13:1:"), "{msg}");
    assert!(msg.contains("unknown variant `streeming`"), "{msg}");
}

#[test]
fn a_deploy_profile_fills_its_cleanup_and_cleanup_needs_deploy() {
    let deploy = NODE.replace(
        "[serve]",
        "[serve]\ndeploy = true\ncleanup = [\"sh\", \"{profile_dir}/undo.sh\", \"{url}\"]",
    );
    let p = parse(&deploy).unwrap();
    assert!(p.serve.deploy);
    let msg = parse(&deploy.replace("deploy = true\n", ""))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`serve.cleanup` undoes a deployment: it needs `deploy = true`"),
        "{msg}"
    );
}

#[test]
fn deviation_patterns_match_with_wildcards() {
    assert!(wildcard_match(
        "*/routing/http/*",
        "astro7/routing/http/about"
    ));
    assert!(wildcard_match("astro7/x/routes", "astro7/x/routes"));
    assert!(!wildcard_match("astro7/x/routes", "astro5/x/routes"));
    assert!(wildcard_match("*/x/http/a*b", "astro5/x/http/a-b"));
    assert!(!wildcard_match("*/x/http/a*b", "astro5/x/http/a-c"));
    assert!(!wildcard_match("a*a", "a"));
}

#[test]
fn unknown_adapter_lists_the_known_ones() {
    let msg = find("nodee").unwrap_err().to_string();
    assert!(msg.contains("unknown adapter `nodee`"), "{msg}");
    assert!(msg.contains("node, node-bun, node-middleware"), "{msg}");
}

#[test]
fn build_env_is_read_and_knows_only_project() {
    let with = |value: &str| {
        NODE.replace(
            "adapter = \"node({ mode: 'standalone' })\"",
            &format!("adapter = \"node()\"\nbuild_env = {{ XDG_CONFIG_HOME = \"{value}\" }}"),
        )
    };
    let p = parse(&with("{project}/.xdg")).unwrap();
    assert_eq!(
        p.config
            .build_env
            .get("XDG_CONFIG_HOME")
            .map(String::as_str),
        Some("{project}/.xdg")
    );
    // `{port}` exists only when serving; the build has none.
    let msg = parse(&with("{port}")).unwrap_err().to_string();
    assert!(
        msg.contains("only the placeholder {project}, not `{port}`"),
        "{msg}"
    );
    assert!(msg.starts_with("adapters/x.toml:6:"), "{msg}");
}

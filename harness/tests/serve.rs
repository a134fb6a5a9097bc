//! The server lifecycle against a real @astrojs/node build: readiness, real HTTP,
//! a taken port, and no survivor after a panic.

use std::net::TcpListener;
use std::time::Duration;

use std::sync::Arc;

use astro_conform::pipeline::build::{Adapter, Build};
use astro_conform::pipeline::install::stack::InstalledStack;
use astro_conform::pipeline::request::http::{self, Request};
use astro_conform::pipeline::serve::{self, Launch, ServeError, Server};

use crate::support::{self, alive};

fn built(fixture: &str, stack_name: &str) -> (Arc<Build>, InstalledStack) {
    built_with(fixture, stack_name, Adapter::node())
}

fn built_with(fixture: &str, stack_name: &str, adapter: Adapter) -> (Arc<Build>, InstalledStack) {
    let installed = support::installed(stack_name);
    (
        support::built_fixture(fixture, &installed, adapter),
        installed,
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_real_server_answers_prerendered_files_and_streams_on_demand_pages() {
    let _machine = crate::support::shared_machine();
    for stack_name in ["astro5", "astro7"] {
        let (build, installed) = built("hybrid-static", stack_name);
        let launch = Launch::node_standalone(&build, &installed).unwrap();
        let server = Server::start(&launch, serve::ready_timeout()).unwrap();
        let client = http::client();
        let base = server.base_url();
        runtime().block_on(async {
            let about = http::send(
                &client,
                &base,
                &Request::get("/about/"),
                http::Limits::default(),
            )
            .await
            .unwrap();
            assert_eq!(about.status, 200, "{stack_name}");
            let file = std::fs::read(build.client_dir().unwrap().join("about/index.html")).unwrap();
            assert_eq!(
                about.body(),
                file,
                "{stack_name}: ▶ page differs from its built file"
            );

            let stream = http::send(
                &client,
                &base,
                &Request::get("/stream"),
                http::Limits::default(),
            )
            .await
            .unwrap();
            assert!(stream.complete, "{:?}", stream.body_error);
            let early = stream.chunk_containing("<p>early</p>").unwrap();
            let late = stream.chunk_containing("<p>late</p>").unwrap();
            assert!(
                early < late,
                "{stack_name}: early and late arrived in one chunk"
            );
            // The page declares a 500 ms delay; the shell must come before it has passed.
            assert!(
                stream.chunks[early].at < Duration::from_millis(500),
                "{stack_name}: first chunk waited for the delay"
            );
        });
        let pid = server.pid();
        drop(server);
        assert!(!alive(pid), "{stack_name}: server {pid} survived drop");
    }
}

#[test]
fn a_port_already_taken_gives_a_clear_error() {
    let _machine = crate::support::shared_machine();
    let (build, installed) = built("hybrid-static", "astro5");
    let launch = Launch::node_standalone(&build, &installed).unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = Server::start_on(&launch, port, serve::ready_timeout()).unwrap_err();
    assert!(matches!(err, ServeError::Exited { .. }), "{err}");
    assert!(err.to_string().contains("EADDRINUSE"), "{err}");
}

#[test]
fn a_panic_mid_check_leaves_no_server_running() {
    let _machine = crate::support::shared_machine();
    let (build, installed) = built("hybrid-static", "astro5");
    let launch = Launch::node_standalone(&build, &installed).unwrap();
    let outcome = std::panic::catch_unwind(|| {
        let mut server = Server::start(&launch, serve::ready_timeout()).unwrap();
        assert!(server.is_running());
        std::panic::panic_any(server.pid());
    });
    let pid = *outcome.unwrap_err().downcast::<u32>().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(!alive(pid), "server {pid} survived a panic");
}

#[test]
fn a_build_without_server_entry_is_refused() {
    let _machine = crate::support::shared_machine();
    let (build, installed) = built_with("blog-static", "astro5", Adapter::None);
    let err = Launch::node_standalone(&build, &installed).unwrap_err();
    assert!(err.to_string().contains("no server entry"), "{err}");
}

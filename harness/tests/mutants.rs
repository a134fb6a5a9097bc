//! Proof that the request checks bite on real servers: a mutant proxy in front of a real
//! @astrojs/node server breaks responses one way at a time. The faithful proxy must pass
//! every request of every fixture; each mutation must make the matching assertions fail
//! with the right message. Together the bites cover every kind of assertion.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use std::sync::Arc;

use astro_conform::pipeline::build::{Adapter, Build};
use astro_conform::pipeline::discover::case::Fixture;
use astro_conform::pipeline::discover::request::RequestCase;

use crate::support;
use crate::support::mutant::{MutantProxy, Mutation};
use astro_conform::paths;
use astro_conform::pipeline::install::stack::InstalledStack;
use astro_conform::pipeline::request::http;
use astro_conform::pipeline::serve::{self, Launch, Server};
use astro_conform::suite::{RequestFailure, Target, run_request};

/// One mutation, one request, and what its failure must say.
struct Bite {
    mutation: Mutation,
    fixture: &'static str,
    request: &'static str,
    messages: &'static [&'static str],
}

const BITES: &[Bite] = &[
    Bite {
        mutation: Mutation::Buffer,
        fixture: "hybrid-static",
        request: "stream sends the shell before the slow part",
        messages: &[
            "(the response was buffered)",
            "arrived only after the page's declared delay of 500 ms",
            "chunks: expected the body in at least 2 pieces, it came in 1",
        ],
    },
    Bite {
        mutation: Mutation::Buffer,
        fixture: "hybrid-static",
        request: "an error after streaming started aborts the response",
        messages: &["body: expected an aborted response"],
    },
    Bite {
        mutation: Mutation::MergeCookies,
        fixture: "cookies-status",
        request: "several cookies arrive on separate lines, last write wins",
        messages: &["cookies: expected 3 Set-Cookie lines, got 1"],
    },
    Bite {
        mutation: Mutation::MergeCookies,
        fixture: "cookies-status",
        request: "cookies from Astro and from the response both arrive",
        messages: &["cookies: expected 3 Set-Cookie lines, got 1"],
    },
    Bite {
        mutation: Mutation::MergeCookies,
        fixture: "cookies-status",
        request: "the Set-Cookie lines are exactly what the page set, in order",
        messages: &["cookies: expected the Set-Cookie lines [\"a=last; Path=/; HttpOnly\""],
    },
    Bite {
        mutation: Mutation::BareCookies,
        fixture: "cookies-status",
        request: "several cookies arrive on separate lines, last write wins",
        messages: &[
            "cookie a: Path expected \"/\", got none; HttpOnly expected \"true\", got \"false\"",
            "cookie b: SameSite expected \"Lax\", got none; Max-Age expected \"60\", got none",
            "cookie c: Secure expected \"true\", got \"false\"",
        ],
    },
    Bite {
        mutation: Mutation::BareCookies,
        fixture: "cookies-status",
        request: "a deleted cookie is sent expired",
        messages: &["cookie session: deleted expected \"true\", got \"false\""],
    },
    Bite {
        mutation: Mutation::StatusOk,
        fixture: "cookies-status",
        request: "a permanent redirect",
        messages: &[
            "status: expected 301, got 200 OK",
            "location: expected /, got no such header",
        ],
    },
    Bite {
        mutation: Mutation::StatusOk,
        fixture: "cookies-status",
        request: "an unknown path gets the custom 404 page with status 404",
        messages: &["status: expected 404, got 200 OK"],
    },
    Bite {
        mutation: Mutation::CanonicalReason,
        fixture: "cookies-status",
        request: "a page sets its status and reason",
        messages: &["reason: expected \"404 Nothing Here\", got \"404 Not Found\""],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "cookies-status",
        request: "a page sets a response header",
        messages: &["header cache-control: expected \"public, max-age=60\", got no such header"],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "hybrid-static",
        request: "api now answers JSON per request",
        messages: &[
            "header content-type: expected to contain \"application/json\", got \"text/plain\"",
        ],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "hybrid-static",
        request: "about is the file built once",
        messages: &["header set-cookie: expected absent, got \"mutant=1\""],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "csp",
        request: "an on-demand page sends its policy as a header",
        messages: &[
            "header content-security-policy: expected to contain \"script-src\", got no such header",
        ],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "static-headers",
        request: "a prerendered page is sent with its policy header",
        messages: &[
            "header content-security-policy: expected to contain \"script-src\", got no such header",
        ],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "csp",
        request: "a prerendered page keeps its policy",
        messages: &["csp: expected a policy containing \"script-src\", got no policy"],
    },
    Bite {
        mutation: Mutation::Headers,
        fixture: "head-and-errors",
        request: "an endpoint answers with its own headers only",
        messages: &[
            "header names: expected exactly",
            "not expected [\"set-cookie\"]",
        ],
    },
    Bite {
        mutation: Mutation::StatusOk,
        fixture: "head-and-errors",
        request: "a page that throws answers 500 with the custom 500 page",
        messages: &["status: expected 500, got 200 OK"],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "hybrid-static",
        request: "account with a session greets",
        messages: &["html p.greeting: expected text \"Hello, ada\", got \"Goodbye, ada\""],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "hybrid-static",
        request: "an error after streaming started aborts the response",
        messages: &["body: expected to contain \"<p>early</p>\""],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "islands",
        request: "a prerendered page hydrates its island",
        messages: &[
            "html: expected 1 <astro-island>, got 0",
            "html astro-island[client]: expected \"load\", got no match",
        ],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "islands",
        request: "a component without a client directive ships no script",
        messages: &["html: expected no <script>, got 1"],
    },
    Bite {
        mutation: Mutation::Html,
        fixture: "islands",
        request: "the server island is rendered on demand with the request's cookie",
        messages: &["html p.greeting: expected text \"Hello, ada\", got \"Goodbye, ada\""],
    },
    Bite {
        mutation: Mutation::Json,
        fixture: "hybrid-static",
        request: "api now answers JSON per request",
        messages: &["json /path: expected \"/api/now?x=1\", got \"/mutant/api/now?x=1\""],
    },
    Bite {
        mutation: Mutation::Json,
        fixture: "cookies-status",
        request: "cookies from Astro and from the response both arrive",
        messages: &["json /ok: expected true, got false"],
    },
    Bite {
        mutation: Mutation::Frozen,
        fixture: "hybrid-static",
        request: "api now answers JSON per request",
        messages: &["per request: two identical requests got the same body"],
    },
    Bite {
        mutation: Mutation::Rebuilt,
        fixture: "hybrid-static",
        request: "about is the file built once",
        messages: &[
            "built once: the first response",
            "is not the built file /about/index.html",
        ],
    },
    Bite {
        mutation: Mutation::Rebuilt,
        fixture: "islands",
        request: "a prerendered page hydrates its island",
        messages: &["is not the built file static-island/index.html"],
    },
    Bite {
        mutation: Mutation::Truncate,
        fixture: "server-app",
        request: "about is the file built once",
        messages: &["body: incomplete: the body ended with an error"],
    },
    Bite {
        mutation: Mutation::Truncate,
        fixture: "hybrid-static",
        request: "stream sends the shell before the slow part",
        messages: &["stream: incomplete: the body ended with an error"],
    },
    Bite {
        mutation: Mutation::Stall,
        fixture: "hybrid-static",
        request: "about is the file built once",
        messages: &["GET /about/", "no response within 1s (hung server?)"],
    },
];

/// A built fixture with its server running.
struct Served {
    fixture: Fixture,
    build: Arc<Build>,
    server: Server,
}

fn serve(name: &str, installed: &InstalledStack) -> Served {
    let fixture = Fixture::load(&paths::fixtures_dir().join(name)).unwrap();
    // The node profile's adapter, with the fixture's adapter options.
    let node = astro_conform::pipeline::discover::adapter::find("node").unwrap();
    let adapter = Adapter::with_options(&node, &fixture.case.build.adapter_options).unwrap();
    let build = support::built_fixture(name, installed, adapter);
    let mut launch = Launch::node_standalone(&build, installed).unwrap();
    let env = &fixture.case.server.env;
    launch
        .env
        .extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let server = Server::start(&launch, serve::ready_timeout()).unwrap();
    Served {
        fixture,
        build,
        server,
    }
}

fn request<'a>(served: &'a Served, name: &str) -> &'a RequestCase {
    served
        .fixture
        .case
        .requests
        .iter()
        .map(|r| r.get_ref())
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{} has no request named {name:?}", served.fixture.name))
}

fn through(served: &Served, proxy: &MutantProxy, case: &RequestCase) -> Result<(), RequestFailure> {
    static HTTP: std::sync::LazyLock<http::Http> =
        std::sync::LazyLock::new(|| http::Http::start().expect("the HTTP runtime starts"));
    run_request(
        case,
        &Target {
            base: proxy.base_url(),
            server_log: &served.server.log,
            client_dir: served.build.client_dir(),
            limits: http::Limits {
                timeout: Duration::from_secs(1),
                ..http::Limits::default()
            },
            http: &HTTP,
            transport_errors: &[],
        },
    )
}

/// Every fixture with requests, served on `stack_name`.
fn served_fixtures(stack_name: &str) -> BTreeMap<String, Served> {
    let installed = support::installed(stack_name);
    let mut served = BTreeMap::new();
    for entry in std::fs::read_dir(paths::fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let fixture = Fixture::load(&paths::fixtures_dir().join(&name)).unwrap();
        let runs_here = !fixture.case.build.skip.contains_key(stack_name);
        if runs_here && !fixture.case.requests.is_empty() {
            served.insert(name.clone(), serve(&name, &installed));
        }
    }
    served
}

fn the_checks_bite(stack_name: &str) {
    let served = served_fixtures(stack_name);

    // The control: through the faithful proxy, every request passes.
    let mut control_failures = Vec::new();
    for s in served.values() {
        let proxy = MutantProxy::start(&s.server.base_url(), Mutation::Passthrough).unwrap();
        for case in s.fixture.case.requests.iter().map(|r| r.get_ref()) {
            if case.skip.contains_key(stack_name) {
                continue;
            }
            if let Err(e) = through(s, &proxy, case) {
                control_failures.push(format!("{}/{}: {e}", s.fixture.name, case.name));
            }
        }
    }
    assert!(
        control_failures.is_empty(),
        "the faithful proxy must pass every request:\n{}",
        control_failures.join("\n")
    );

    // Each mutation breaks what it should, with the right message.
    let mut covered = BTreeSet::new();
    for bite in BITES {
        // A fixture the stack does not build (its `[build] skip`) has no bite there.
        let dir = paths::fixtures_dir().join(bite.fixture);
        let skipped = Fixture::load(&dir).unwrap().case.build.skip;
        if skipped.contains_key(stack_name) {
            continue;
        }
        let s = &served[bite.fixture];
        let proxy = MutantProxy::start(&s.server.base_url(), bite.mutation).unwrap();
        let case = request(s, bite.request);
        let failure = through(s, &proxy, case).expect_err(&format!(
            "{:?} must fail {}/{}",
            bite.mutation, bite.fixture, bite.request
        ));
        for message in bite.messages {
            assert!(
                failure.to_string().contains(message),
                "{:?} on {}/{}: expected a failure saying {message:?}, got:\n{failure}",
                bite.mutation,
                bite.fixture,
                bite.request
            );
        }
        covered.insert(format!("{:?}", bite.mutation));
    }
    let all: BTreeSet<String> = Mutation::ALL[1..]
        .iter()
        .map(|m| format!("{m:?}"))
        .collect();
    assert_eq!(covered, all, "every mutation has at least one bite");
}

#[test]
fn the_checks_bite_on_astro5() {
    let _machine = crate::support::shared_machine();
    the_checks_bite("astro5");
}

#[test]
fn the_checks_bite_on_astro7() {
    let _machine = crate::support::shared_machine();
    the_checks_bite("astro7");
}

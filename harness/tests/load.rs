//! The load generator against servers of ours on 127.0.0.1 that answer well, slowly,
//! wrongly or not at all: every count it reports is shown to move when it should.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use astro_conform::perf::load::{self, LoadOptions, LoadReport, Target};

/// Serves each connection on its own thread with `answer`, called once per request head.
fn server(answer: fn(&mut TcpStream, usize)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/page", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                stream.set_nodelay(true).unwrap();
                let mut count = 0;
                loop {
                    // Read one request head.
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    answer(&mut stream, count);
                    count += 1;
                }
            });
        }
    });
    url
}

const BODY: &str = "0123456789abcdefghij"; // 20 bytes

fn ok(stream: &mut TcpStream, _: usize) {
    let response = format!("HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n{BODY}");
    let _ = stream.write_all(response.as_bytes());
}

fn run(url: &str, connections: usize, seconds: f64, rate: Option<f64>) -> LoadReport {
    load::run(&LoadOptions {
        connections,
        duration: Duration::from_secs_f64(seconds),
        rate,
        timeout: Duration::from_millis(600),
        ..LoadOptions::new(Target::parse(url).unwrap())
    })
    .unwrap()
}

#[test]
fn a_good_server_is_counted_by_status_and_body_bytes() {
    let _machine = crate::support::whole_machine();
    let report = run(&server(ok), 4, 0.5, None);
    assert!(report.requests > 100, "{}", report.text());
    assert_eq!(report.statuses.get(&200), Some(&report.requests));
    assert_eq!(report.bytes, report.requests * BODY.len() as u64);
    assert_eq!(report.error_count(), 0, "{:?}", report.errors);
    let l = &report.latency_us;
    assert!(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
}

#[test]
fn statuses_are_counted_apart() {
    let _machine = crate::support::whole_machine();
    fn alternate(stream: &mut TcpStream, n: usize) {
        let status = if n.is_multiple_of(2) {
            "200 OK"
        } else {
            "503 Busy"
        };
        let response = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
        let _ = stream.write_all(response.as_bytes());
    }
    let report = run(&server(alternate), 1, 0.3, None);
    let (good, busy) = (report.statuses[&200], report.statuses[&503]);
    assert!(good.abs_diff(busy) <= 1, "{:?}", report.statuses);
}

#[test]
fn a_hung_response_is_a_timeout_not_a_latency() {
    let _machine = crate::support::whole_machine();
    fn hang(_: &mut TcpStream, _: usize) {
        std::thread::sleep(Duration::from_secs(5));
    }
    let report = run(&server(hang), 2, 1.0, None);
    assert_eq!(report.requests, 0);
    assert!(
        report.errors.get("timeout").is_some_and(|n| *n >= 2),
        "{:?}",
        report.errors
    );
    // Waiting costs the generator next to nothing.
    assert!(report.client_cpu < 0.3, "{}", report.text());
    assert!(!report.generator_limited());
}

#[test]
fn the_generator_reports_its_own_cpu_use() {
    let _machine = crate::support::whole_machine();
    // Against a server that answers at once, the generator works for every request.
    let report = run(&server(ok), 4, 0.5, None);
    assert!(
        report.client_cpu > 0.02 && report.client_cpu <= 1.5,
        "{}",
        report.text()
    );
    assert!(report.text().contains("% of a core"), "{}", report.text());
}

#[test]
fn garbage_and_closed_connections_are_errors_by_kind() {
    let _machine = crate::support::whole_machine();
    fn garbage(stream: &mut TcpStream, _: usize) {
        let _ = stream.write_all(b"NOT HTTP AT ALL\r\n\r\n");
    }
    fn close(stream: &mut TcpStream, _: usize) {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    let report = run(&server(garbage), 1, 0.3, None);
    assert!(
        report.errors.contains_key("malformed response"),
        "{:?}",
        report.errors
    );
    let report = run(&server(close), 1, 0.3, None);
    assert!(report.errors.contains_key("closed"), "{:?}", report.errors);
    assert_eq!(report.requests, 0);
}

#[test]
fn a_refused_port_is_a_connect_error() {
    let _machine = crate::support::whole_machine();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = run(&format!("http://127.0.0.1:{port}/"), 1, 0.2, None);
    assert!(report.errors.contains_key("connect"), "{:?}", report.errors);
}

#[test]
fn a_fixed_rate_sends_that_many_requests() {
    let _machine = crate::support::whole_machine();
    let report = run(&server(ok), 2, 1.0, Some(200.0));
    assert!((180..=201).contains(&report.requests), "{}", report.text());
}

/// A server that stalls once for 300 ms: the closed loop waits politely and records one
/// slow request; at a fixed rate the requests due during the stall are late too, and
/// their latencies (from the time they were due) show it.
#[test]
fn a_stall_shows_in_fixed_rate_latencies_not_in_closed_loop_ones() {
    let _machine = crate::support::whole_machine();
    fn stall_once(stream: &mut TcpStream, n: usize) {
        if n == 20 {
            std::thread::sleep(Duration::from_millis(300));
        }
        ok(stream, n);
    }
    let closed = run(&server(stall_once), 1, 1.0, None);
    let fixed = run(&server(stall_once), 1, 1.0, Some(100.0));
    // The closed loop saw one slow request among thousands: its p99 stays low.
    assert!(closed.latency_us.p99 < 100_000, "{}", closed.text());
    // At 100/s about 30 requests were due during the stall: well over 1% of them.
    assert!(fixed.latency_us.p90 >= 100_000, "{}", fixed.text());
    assert!(closed.latency_us.max >= 300_000 && fixed.latency_us.max >= 300_000);
}

#[test]
fn a_request_budget_stops_the_run_at_that_count() {
    let _machine = crate::support::whole_machine();
    let report = load::run(&LoadOptions {
        connections: 3,
        duration: Duration::from_secs(30),
        timeout: Duration::from_secs(1),
        requests: Some(100),
        ..LoadOptions::new(Target::parse(&server(ok)).unwrap())
    })
    .unwrap();
    assert_eq!(report.requests, 100, "{}", report.text());
    assert!(report.seconds < 30.0);
}

#[test]
fn bad_options_are_refused() {
    let _machine = crate::support::whole_machine();
    let url = server(ok);
    let mut options = LoadOptions {
        connections: 0,
        duration: Duration::from_millis(100),
        timeout: Duration::from_secs(1),
        ..LoadOptions::new(Target::parse(&url).unwrap())
    };
    assert!(
        load::run(&options)
            .unwrap_err()
            .to_string()
            .contains("connections")
    );
    options.connections = 1;
    options.rate = Some(0.0);
    assert!(
        load::run(&options)
            .unwrap_err()
            .to_string()
            .contains("--rate")
    );
}

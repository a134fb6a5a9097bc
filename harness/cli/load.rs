//! `astro-conform load`: HTTP/1.1 GET load against a URL.

use std::process::ExitCode;

use astro_conform::perf::load;

use crate::output::{CliResult, seconds};

/// The options of `load`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The URL to GET (http:// only).
    url: String,
    /// Keep-alive connections.
    #[arg(short = 'c', long, default_value_t = 10)]
    connections: usize,
    /// Seconds to send for.
    #[arg(short = 'd', long, default_value_t = 10.0)]
    duration: f64,
    /// Requests per second in all (fixed arrival rate) instead of a closed loop.
    #[arg(long)]
    rate: Option<f64>,
    /// A request header, `name: value` (repeatable).
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Seconds before a request counts as a timeout and its connection is replaced.
    #[arg(long, default_value_t = 5.0)]
    timeout: f64,
    /// Pin the load generator to this core.
    #[arg(long)]
    cpu: Option<usize>,
    /// Stop after this many requests (or the duration, whichever comes first).
    #[arg(short = 'n', long)]
    requests: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Sends the load and prints the report.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let mut target = load::Target::parse(&args.url)?;
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("--header `{header}` is not `name: value`"))?;
        target = target.with_header(name, value)?;
    }
    let options = load::LoadOptions {
        target,
        connections: args.connections,
        duration: seconds("--duration", args.duration)?,
        rate: args.rate,
        timeout: seconds("--timeout", args.timeout)?,
        cpu: args.cpu,
        requests: args.requests,
    };
    if !args.json {
        eprintln!(
            "sending to {} for {:.1} s over {} connection(s)...",
            args.url, args.duration, args.connections
        );
    }
    let report = load::run(&options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(if report.requests == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

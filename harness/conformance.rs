//! The `conformance` test target: one libtest-mimic trial per stack × adapter × fixture ×
//! check. `cargo test -- --list` lists them without building; filters work as usual.

use std::process::ExitCode;
use std::sync::Arc;

use astro_conform::{paths, process, stack, suite};
use libtest_mimic::{Arguments, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    process::install_interrupt_handler();
    process::install_quiet_panic_hook();
    let trials = match stack::discover(&paths::stacks_dir())
        .map_err(|e| e.to_string())
        .and_then(|stacks| suite::trials(&paths::fixtures_dir(), &stacks))
    {
        Ok(trials) => trials,
        Err(e) => {
            eprintln!("error: cannot list the suite: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runner = Arc::new(suite::Runner::with_progress(|m| {
        eprintln!("astro-conform: {m}")
    }));
    let trials = trials
        .into_iter()
        .map(|t| {
            let runner = runner.clone();
            let skipped = t.skipped.is_some();
            Trial::test(t.name.clone(), move || runner.run(&t).map_err(Into::into))
                .with_ignored_flag(skipped)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

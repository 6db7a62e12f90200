//! `maxlik`: maximum-likelihood fits from the command line. A thin layer over the library:
//! reading data, choosing a family and an optimizer, printing tables or JSON, drawing figures.

/// `println!` that ends the program quietly when standard output is closed (as by `| head`),
/// and with [`OUTPUT_FAILED`] and a message on any other write error (a full disk), instead of
/// panicking or carrying on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            crate::output_failed(&e);
        }
    }};
}

/// Exit code of a fit that ran but did not converge (its result is still printed).
const NOT_CONVERGED: u8 = 1;
/// Exit code: the fit was printed, but the figure asked for with `--plot` could not be written.
const PLOT_FAILED: u8 = 3;
/// Exit code: the output could not be written (other than to a closed pipe).
const OUTPUT_FAILED: u8 = 4;

/// Ends the program after a failed write to standard output: quietly for a closed pipe,
/// with a message and [`OUTPUT_FAILED`] otherwise.
fn output_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("maxlik: cannot write the output: {e}");
    std::process::exit(i32::from(OUTPUT_FAILED));
}

// The layers, bottom up: a module imports only from the layers above its own (tested in
// tests/layering.rs).
mod data;
mod nist;
mod plot;
mod report;

mod benchmark;
mod comparison;
mod demo;
mod observations;
mod uncertainty;

mod select;

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("maxlik: {err:#}");
            return ExitCode::from(2);
        }
    };
    // Standard output is flushed here, not silently at exit, so that a write error is seen.
    use std::io::Write as _;
    if let Err(e) = std::io::stdout().flush() {
        output_failed(&e);
    }
    code
}

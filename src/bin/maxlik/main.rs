//! `maxlik`: maximum-likelihood fits from the command line. A thin layer over the library:
//! reading data, choosing a family and an optimizer, printing tables or JSON, drawing figures.

/// `println!` that ends the program quietly when standard output is closed (as by `| head`)
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

// The layers, bottom up: a module imports only from the layers above its own (tested in
// tests/layering.rs).
mod data;
mod plot;
mod report;

mod demo;

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("maxlik: {err:#}");
            ExitCode::from(2)
        }
    }
}

//! `maxlik`: maximum-likelihood fits from the command line. A thin layer over the library:
//! reading data, choosing a family and an optimizer, printing tables or JSON, drawing figures.

mod cli;
mod data;
mod demo;
mod plot;
mod report;

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

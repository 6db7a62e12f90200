//! The command line: its arguments (clap derive; the doc comments are the help text) and the
//! dispatch to each command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use maxlik::{FAMILIES, Family, FitOptions, FitOptionsBuilder, Method};

use crate::data::{self, Delimiter, Missing, Source};
use crate::{demo, plot, report};

/// Exit code of a fit that ran but did not converge (its result is still printed).
pub const NOT_CONVERGED: u8 = 1;

/// Maximum-likelihood estimation: fit a family of distributions to a column of numbers,
/// compare optimizers on it, profile a parameter, or run the demo.
#[derive(Debug, Parser)]
#[command(name = "maxlik", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reproduce the articles' example (N(5, 2), n = 100, seed 42) and an Exponential one: both
    /// optimizers beside the closed form, with figures written to a folder.
    Demo {
        /// Folder for the figures (created if missing).
        #[arg(long, default_value = "maxlik-demo")]
        out: PathBuf,
    },
    /// Fit a family to data and print the summary table (or JSON).
    Fit(FitArgs),
    /// Run every optimizer on the same data from the same start, side by side.
    Compare(CompareArgs),
    /// Print (and plot) the profile log-likelihood of one parameter with its interval.
    Profile(ProfileArgs),
}

/// Where the data come from and which family to fit.
#[derive(Debug, clap::Args)]
struct Input {
    /// The family of distributions.
    #[arg(long, value_parser = FamilyParser)]
    family: Family,
    /// CSV with a header, or one number per line; `-` reads standard input.
    #[arg(long)]
    data: PathBuf,
    /// The CSV column to use (required when there is more than one).
    #[arg(long)]
    column: Option<String>,
    /// What to do with a missing value (an empty field or line, NA, NaN, null, .): stop with
    /// an error naming the line, or leave the row out and report how many were left out.
    #[arg(long, value_enum, default_value_t = Missing::Error)]
    missing: Missing,
    /// The field separator (default: a tab if the first line holds one, else a semicolon if
    /// it holds one, else a comma).
    #[arg(long, value_enum)]
    delimiter: Option<Delimiter>,
}

#[derive(Debug, clap::Args)]
struct FitArgs {
    #[command(flatten)]
    input: Input,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = MethodArg::Lbfgs)]
    method: MethodArg,
    /// Print exactly one JSON object (fields documented in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Cap on the optimizer's iterations (default: the library's, 500 for L-BFGS and 5000
    /// for Nelder-Mead).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_iters: Option<u64>,
    /// Write a histogram of the data with the fitted density over it (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    starts: StartArgs,
}

/// How many starts each fit runs from.
#[derive(Debug, clap::Args)]
struct StartArgs {
    /// Fit from this many starts in parallel (the family's data-driven start and more spread
    /// around it) and report the best optimum with the distinct optima found. Default: 10 for
    /// normal-mixture, whose likelihood has several optima; 1 for the other families.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    starts: Option<u64>,
    /// Seed of the extra starts' design (the same seed, the same starts).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl StartArgs {
    /// The options' builder with these starts for `family`.
    fn apply(&self, family: Family, builder: FitOptionsBuilder) -> FitOptionsBuilder {
        let starts = self.starts.map_or(family.default_starts(), |k| k as usize);
        builder.starts(starts).seed(self.seed)
    }
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    starts: StartArgs,
    /// Print exactly one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ProfileArgs {
    #[command(flatten)]
    input: Input,
    /// The parameter to profile.
    #[arg(long)]
    param: String,
    /// The optimizer of the fit the profile starts from.
    #[arg(long, value_enum, default_value_t = MethodArg::Lbfgs)]
    method: MethodArg,
    /// The confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Write the profile log-likelihood with its interval marked (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print exactly one JSON object (fields documented in docs/cli.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    starts: StartArgs,
}

/// The optimizer, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// L-BFGS with a More-Thuente line search.
    Lbfgs,
    /// The Nelder-Mead simplex.
    NelderMead,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Lbfgs => Method::Lbfgs,
            MethodArg::NelderMead => Method::NelderMead,
        }
    }
}

/// Parses a family by the library's `FromStr` (case, `-` and `_` ignored) and lists the
/// library's families as the possible values in the help.
#[derive(Debug, Clone, Copy)]
struct FamilyParser;

impl clap::builder::TypedValueParser for FamilyParser {
    type Value = Family;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<Family, clap::Error> {
        let invalid = |message: String| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, message + "\n").with_cmd(cmd)
        };
        value
            .to_str()
            .ok_or_else(|| invalid("the family is not valid UTF-8".into()))?
            .parse::<Family>()
            .map_err(|e| invalid(e.to_string()))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            FAMILIES
                .iter()
                .map(|f| clap::builder::PossibleValue::new(f.name())),
        ))
    }
}

/// Parses the arguments and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { out } => demo::run(&out).map(exit_for),
        Command::Fit(args) => fit(&args),
        Command::Compare(args) => compare(&args),
        Command::Profile(args) => profile(&args),
    }
}

/// Loads the data and checks them against the family's support, naming the line of a bad
/// value.
fn load(input: &Input) -> Result<data::Column> {
    let source = Source::from_arg(&input.data);
    let reading = data::Reading {
        missing: input.missing,
        delimiter: input.delimiter,
    };
    let column = data::read(&source, input.column.as_deref(), reading)?;
    if let Err(err) = input.family.check_support(&column.values) {
        return Err(column.locate(&source, &err));
    }
    Ok(column)
}

/// What the table says of the rows `--missing skip` left out.
fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        1 => " (1 row with a missing value left out)".to_string(),
        k => format!(" ({k} rows with a missing value left out)"),
    }
}

fn exit_for(converged: bool) -> ExitCode {
    if converged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_CONVERGED)
    }
}

/// Refuses a figure path whose extension is not `.svg`, before anything is fitted.
fn check_plot(path: Option<&PathBuf>) -> Result<()> {
    if let Some(path) = path
        && !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        anyhow::bail!(
            "--plot {}: maxlik writes SVG figures; name the file with a .svg extension",
            path.display()
        );
    }
    Ok(())
}

fn fit(args: &FitArgs) -> Result<ExitCode> {
    check_plot(args.plot.as_ref())?;
    let column = load(&args.input)?;
    let family = args.input.family;
    let mut options = args
        .starts
        .apply(family, FitOptions::builder(args.method.into()));
    if let Some(cap) = args.max_iters {
        options = options.max_iters(cap);
    }
    let options = options.build()?;
    let start = Instant::now();
    let fit = family
        .fit(&column.values, &options)
        .with_context(|| format!("fitting the {family} family"))?;
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        say!(
            "{}",
            report::fit_json(family, &fit, seconds, column.skipped)
        );
    } else {
        say!(
            "{family} fit to {} observations of {}{}",
            fit.n(),
            column.label,
            skipped_note(column.skipped)
        );
        say!("{fit}");
    }
    if let Some(path) = &args.plot {
        if let Err(e) = plot::density(path, family, &column.values, &fit) {
            eprintln!("maxlik: the fit is printed, but the figure was not written: {e:#}");
            return Ok(ExitCode::from(crate::PLOT_FAILED));
        }
        if !args.json {
            say!("figure written to {}", path.display());
        }
    }
    Ok(exit_for(fit.converged()))
}

fn compare(args: &CompareArgs) -> Result<ExitCode> {
    let column = load(&args.input)?;
    let family = args.input.family;
    let runs = report::compare_all(family, &column.values, |builder| {
        args.starts.apply(family, builder)
    })?;
    if args.json {
        say!(
            "{}",
            report::compare_json(family, column.values.len(), column.skipped, &runs)
        );
    } else {
        say!(
            "{family} fit to {} observations of {}{}, same start for every optimizer",
            column.values.len(),
            column.label,
            skipped_note(column.skipped)
        );
        say!("{}", report::compare_table(family, &runs).trim_end());
    }
    Ok(exit_for(runs.iter().all(|r| r.fit.converged())))
}

fn profile(args: &ProfileArgs) -> Result<ExitCode> {
    check_plot(args.plot.as_ref())?;
    let column = load(&args.input)?;
    if column.skipped > 0 && !args.json {
        say!("{}:{}", column.label, skipped_note(column.skipped));
    }
    let family = args.input.family;
    if !family.names().contains(&args.param.as_str()) {
        anyhow::bail!(
            "the {family} family has no parameter `{}` (its parameters: {})",
            args.param,
            family.names().join(", ")
        );
    }
    let model = family.model(&column.values)?;
    let options = args
        .starts
        .apply(family, FitOptions::builder(args.method.into()))
        .build()?;
    let fit = model.fit_with(&column.values, &options)?;
    if !fit.converged() {
        if args.json {
            say!("{}", report::fit_json(family, &fit, 0.0, column.skipped));
        } else {
            say!("{fit}");
        }
        return Ok(ExitCode::from(NOT_CONVERGED));
    }
    let interval = model.profile(&column.values, &fit, &args.param, args.level)?;
    // A profile that met a better optimum refitted from it: everything below is about the
    // refit.
    let fit = interval.refit().unwrap_or(&fit);
    if args.json {
        say!(
            "{}",
            report::profile_json(family, fit, &interval, column.skipped)
        );
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", fit.summary().with_profile(&interval));
    say!("\n{interval}");
    let space = model
        .params()
        .iter()
        .find(|p| p.name == args.param)
        .map_or(maxlik::Space::Free, |p| p.space);
    let grid = plot::profile_grid(&interval, space);
    let curve = model.profile_points(&column.values, fit, &args.param, &grid)?;
    say!(
        "\n{:>18} {:>18} {:>18}",
        args.param,
        "2(NLL - NLL_min)",
        "lnL - lnL_max"
    );
    for (value, deviance) in curve.iter().step_by(3) {
        let inside = if *deviance <= interval.cutoff() {
            "  inside"
        } else {
            ""
        };
        say!(
            "{value:>18.9e} {deviance:>18.9e} {:>18.9e}{inside}",
            -0.5 * deviance
        );
    }
    if let Some(path) = &args.plot {
        if let Err(e) = plot::profile(path, &interval, &curve) {
            eprintln!("maxlik: the profile is printed, but the figure was not written: {e:#}");
            return Ok(ExitCode::from(crate::PLOT_FAILED));
        }
        say!("figure written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

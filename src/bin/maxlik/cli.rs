//! The command line: its arguments (clap derive; the doc comments are the help text) and the
//! dispatch to each command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use maxlik::{Family, FitOptions, FitOptionsBuilder, Method, WeightKind};

use crate::observations::{self, Input, Loaded, Observations};
use crate::{demo, plot, report};

use crate::NOT_CONVERGED;

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
    /// Run every optimizer on a built-in suite of problems with known answers (NIST StRD,
    /// closed forms, test functions): success, cost and verdict per problem and method, with
    /// performance and data profiles.
    Benchmark(BenchmarkArgs),
    /// Print (and plot) the profile log-likelihood of one parameter with its interval.
    Profile(ProfileArgs),
    /// Which family fits? Fit every family of the data's kind (or the ones named) and rank
    /// them by AIC, with goodness-of-fit statistics (KS, CvM, AD; chi-square for counts).
    Select(crate::select::SelectArgs),
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
    /// Cap on the optimizer's iterations (default: the library's, 500 for L-BFGS, BFGS and BHHH,
    /// 5000 for Nelder-Mead and 200 for Newton).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_iters: Option<u64>,
    /// Write a histogram of the data with the fitted density over it (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    starts: StartArgs,
    #[command(flatten)]
    uncertainty: crate::uncertainty::UncertaintyArgs,
    /// With --family normal-mixture: the number of components (2 to 10; default 2), started
    /// from a one-dimensional k-means and fitted from --starts starts (default 10).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(2..=10))]
    components: Option<u64>,
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
    /// The methods to run, comma-separated (default: every one).
    #[arg(long, value_enum, value_delimiter = ',')]
    methods: Vec<MethodArg>,
    /// Print exactly one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct BenchmarkArgs {
    /// Folder for benchmark.json and the two profile figures (created if missing).
    #[arg(long, default_value = "maxlik-benchmark")]
    out: PathBuf,
    /// The methods to run, comma-separated (default: every one).
    #[arg(long, value_enum, value_delimiter = ',')]
    methods: Vec<MethodArg>,
    /// Fit each problem from this many starts (multi-start; 1: the problem's own start only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    starts: u64,
    /// Print the records as JSON instead of the tables.
    #[arg(long)]
    json: bool,
}

/// The methods named, or every one.
fn methods(named: &[MethodArg]) -> Vec<Method> {
    if named.is_empty() {
        Method::ALL.to_vec()
    } else {
        let mut methods: Vec<Method> = Vec::new();
        for &m in named {
            if !methods.contains(&m.into()) {
                methods.push(m.into());
            }
        }
        methods
    }
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
    /// Newton's method with a trust region and a finite-difference Hessian.
    Newton,
    /// BFGS with a More-Thuente line search.
    Bfgs,
    /// BHHH (covariance of the per-observation scores) with a trust region.
    Bhhh,
    /// Nonlinear conjugate gradients (Polak–Ribière+).
    Cg,
    /// Steepest descent (for teaching: slow, zig-zags).
    SteepestDescent,
    /// Newton's method with a More-Thuente line search.
    NewtonLineSearch,
    /// Trust-region Newton, steps by Steihaug's conjugate gradients.
    TrustRegionSteihaug,
    /// Trust-region Newton, dogleg steps.
    TrustRegionDogleg,
    /// SR1 quasi-Newton with a trust region.
    Sr1TrustRegion,
    /// Particle swarm (global, seeded by --seed), then an L-BFGS polish.
    ParticleSwarm,
    /// Simulated annealing (global, seeded by --seed), then an L-BFGS polish.
    SimulatedAnnealing,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Lbfgs => Method::Lbfgs,
            MethodArg::NelderMead => Method::NelderMead,
            MethodArg::Newton => Method::Newton,
            MethodArg::Bfgs => Method::Bfgs,
            MethodArg::Bhhh => Method::Bhhh,
            MethodArg::Cg => Method::ConjugateGradient,
            MethodArg::SteepestDescent => Method::SteepestDescent,
            MethodArg::NewtonLineSearch => Method::NewtonLineSearch,
            MethodArg::TrustRegionSteihaug => Method::TrustRegionSteihaug,
            MethodArg::TrustRegionDogleg => Method::TrustRegionDogleg,
            MethodArg::Sr1TrustRegion => Method::Sr1TrustRegion,
            MethodArg::ParticleSwarm => Method::ParticleSwarm,
            MethodArg::SimulatedAnnealing => Method::SimulatedAnnealing,
        }
    }
}

/// Parses the arguments and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { out } => demo::run(&out).map(exit_for),
        Command::Fit(args) => fit(&args),
        Command::Compare(args) => compare(&args),
        Command::Benchmark(args) => crate::benchmark::command(
            &args.out,
            &methods(&args.methods),
            args.starts as usize,
            args.json,
        ),
        Command::Profile(args) => profile(&args),
        Command::Select(args) => crate::select::run(&args),
    }
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

/// Runs `body` with the family's model of the loaded observations and the observations: a
/// plain column, or censored, truncated and weighted ones.
macro_rules! with_model {
    ($family:expr, $loaded:expr, |$model:ident, $data:ident| $body:expr) => {{
        let family: Family = $family;
        let loaded: &Loaded = $loaded;
        let located = |e: maxlik::Error| loaded.table.locate(&loaded.source, &e);
        match &loaded.observations {
            Observations::Plain(values) => {
                let $model = family
                    .model_with(values, &loaded.settings)
                    .map_err(located)?;
                let $data = values.as_slice();
                $body
            }
            Observations::General(obs) => {
                let kind = loaded
                    .weights
                    .as_ref()
                    .map_or(WeightKind::Frequency, |w| w.0);
                let $model = family
                    .weighted_model(obs, loaded.truncation, kind, &loaded.settings)
                    .map_err(located)?;
                let $data = obs.as_slice();
                $body
            }
        }
    }};
}

/// The first line of a table: the family, the observations and what is special about them.
fn headline(family: Family, loaded: &Loaded, n: usize) -> String {
    let described = loaded.describe();
    format!(
        "{family} fit to {n} observations of {}{}{}",
        loaded.table.label,
        skipped_note(loaded.table.skipped),
        if described.is_empty() {
            String::new()
        } else {
            format!("\n({described})")
        }
    )
}

fn fit(args: &FitArgs) -> Result<ExitCode> {
    check_plot(args.plot.as_ref())?;
    let family = args.input.family;
    if args.components.is_some() && family != Family::NormalMixture {
        anyhow::bail!("--components goes with --family normal-mixture");
    }
    let loaded = observations::load(&args.input)?;
    if let Some(k) = args.components.filter(|&k| k > 2) {
        return fit_mixture(args, &loaded, k as usize);
    }
    // Censored data are drawn as survival curves: the Kaplan-Meier estimate needs exact and
    // right-censored times, recorded without truncation.
    let steps = match &loaded.observations {
        Observations::General(obs) if args.plot.is_some() => {
            match plot::kaplan_meier(obs).filter(|_| !loaded.truncation.is_truncated()) {
                Some(steps) => Some(steps),
                None => anyhow::bail!(
                    "--plot draws censored data as a Kaplan-Meier curve, which needs exact and right-censored values without truncation; these data have other kinds (draw them without --plot)"
                ),
            }
        }
        _ => None,
    };
    let mut options = loaded.apply(
        args.starts
            .apply(family, FitOptions::builder(args.method.into())),
    );
    if let Some(cap) = args.max_iters {
        options = options.max_iters(cap);
    }
    let options = options.build()?;
    let plain: Option<&[f64]> = match &loaded.observations {
        Observations::Plain(values) => Some(values.as_slice()),
        Observations::General(_) => None,
    };
    let (fit, seconds, extra) = with_model!(family, &loaded, |model, data| {
        let start = Instant::now();
        let fit = model
            .fit_with(data, &options)
            .with_context(|| format!("fitting the {family} family"))?;
        let seconds = start.elapsed().as_secs_f64();
        // A fit that did not converge is printed as it is, without intervals around it.
        let extra = if args.uncertainty.any() && fit.converged() {
            Some(crate::uncertainty::compute(
                &args.uncertainty,
                family,
                &model,
                data,
                plain,
                &fit,
                &options,
            )?)
        } else {
            None
        };
        (fit, seconds, extra)
    });
    if args.json {
        let mut fields = loaded.json_fields();
        if let Some(u) = &extra {
            fields.extend(crate::uncertainty::json_fields(u, &fit));
        } else if args.uncertainty.any() {
            fields.insert("bootstrap".into(), serde_json::Value::Null);
            fields.insert("quantiles".into(), serde_json::json!([]));
        }
        say!(
            "{}",
            report::fit_json(family, &fit, seconds, loaded.table.skipped, fields)
        );
    } else {
        say!("{}", headline(family, &loaded, fit.n()));
        say!("{fit}");
        if let Some(u) = &extra {
            say!("{}", crate::uncertainty::text(u, &fit).trim_end());
        }
    }
    if args.uncertainty.any() && extra.is_none() {
        eprintln!("maxlik: the fit did not converge: no bootstrap or quantile intervals around it");
    }
    if let Some(path) = &args.plot {
        let drawn = match (&loaded.observations, &steps) {
            (Observations::Plain(values), _) => plot::density(path, family, values, &fit),
            (Observations::General(obs), Some(steps)) => {
                let last = obs
                    .iter()
                    .map(|w| w.obs().representative())
                    .fold(f64::NEG_INFINITY, f64::max);
                plot::survival(path, family, steps, last, &fit)
            }
            (Observations::General(_), None) => Ok(()),
        };
        if let Err(e) = drawn {
            eprintln!("maxlik: the fit is printed, but the figure was not written: {e:#}");
            return Ok(ExitCode::from(crate::PLOT_FAILED));
        }
        if !args.json {
            say!("figure written to {}", path.display());
        }
    }
    Ok(exit_for(fit.converged()))
}

/// `fit --family normal-mixture --components K` with K ≥ 3: the k-component model of the
/// plain values.
fn fit_mixture(args: &FitArgs, loaded: &Loaded, k: usize) -> Result<ExitCode> {
    let Observations::Plain(values) = &loaded.observations else {
        anyhow::bail!(
            "--components {k} fits plain values: censored, truncated or weighted observations take the 2-component family"
        );
    };
    if args.plot.is_some() || args.uncertainty.any() {
        anyhow::bail!(
            "--components {k}: --plot, --bootstrap and --quantile are not available yet beyond 2 components"
        );
    }
    if !args.input.fix.is_empty() || !args.input.start.is_empty() {
        anyhow::bail!("--components {k}: --fix and --start are not available beyond 2 components");
    }
    let family = Family::NormalMixture;
    let model =
        maxlik::normal_mixture(k, values).map_err(|e| loaded.table.locate(&loaded.source, &e))?;
    let mut options = loaded.apply(
        args.starts
            .apply(family, FitOptions::builder(args.method.into())),
    );
    if let Some(cap) = args.max_iters {
        options = options.max_iters(cap);
    }
    let options = options.build()?;
    let start = Instant::now();
    let fit = model
        .fit_with(values, &options)
        .with_context(|| format!("fitting a {k}-component normal mixture"))?;
    let seconds = start.elapsed().as_secs_f64();
    // The last weight is what the others leave.
    let mut weights = fit.estimates()[..k - 1].to_vec();
    weights.push(1.0 - weights.iter().sum::<f64>());
    if args.json {
        let mut fields = loaded.json_fields();
        fields.insert("components".into(), serde_json::json!(k));
        fields.insert("weights".into(), serde_json::json!(weights));
        say!(
            "{}",
            report::fit_json(family, &fit, seconds, loaded.table.skipped, fields)
        );
    } else {
        say!("{k}-component {}", headline(family, loaded, fit.n()));
        say!("{fit}");
        say!(
            "weight{k} = 1 - the others = {}",
            crate::report::significant(weights[k - 1], 6)
        );
    }
    Ok(exit_for(fit.converged()))
}

fn compare(args: &CompareArgs) -> Result<ExitCode> {
    let family = args.input.family;
    let loaded = observations::load(&args.input)?;
    let runs = with_model!(family, &loaded, |model, data| report::compare_all(
        &model,
        data,
        &methods(&args.methods),
        |builder| loaded.apply(args.starts.apply(family, builder))
    )?);
    if args.json {
        say!(
            "{}",
            report::compare_json(
                family,
                loaded.rows(),
                loaded.table.skipped,
                &runs,
                loaded.json_fields()
            )
        );
    } else {
        say!(
            "{}, same start for every optimizer",
            headline(family, &loaded, loaded.rows())
        );
        say!("{}", report::compare_table(family, &runs).trim_end());
    }
    Ok(exit_for(runs.iter().all(|r| r.fit.converged())))
}

fn profile(args: &ProfileArgs) -> Result<ExitCode> {
    check_plot(args.plot.as_ref())?;
    let family = args.input.family;
    let loaded = observations::load(&args.input)?;
    if loaded.table.skipped > 0 && !args.json {
        say!(
            "{}:{}",
            loaded.table.label,
            skipped_note(loaded.table.skipped)
        );
    }
    if !family.names().contains(&args.param.as_str()) {
        anyhow::bail!(
            "the {family} family has no parameter `{}` (its parameters: {})",
            args.param,
            family.names().join(", ")
        );
    }
    let options = loaded
        .apply(
            args.starts
                .apply(family, FitOptions::builder(args.method.into())),
        )
        .build()?;
    with_model!(family, &loaded, |model, data| profile_model(
        args, family, &loaded, &model, data, &options
    ))
}

/// The profile of `args.param` in `model` fitted to `data`.
fn profile_model<O: Sync, D: maxlik::LogDensity<O> + Sync>(
    args: &ProfileArgs,
    family: Family,
    loaded: &Loaded,
    model: &maxlik::Model<O, D>,
    data: &[O],
    options: &FitOptions,
) -> Result<ExitCode> {
    let fit = model.fit_with(data, options)?;
    let fields = loaded.json_fields();
    if !fit.converged() {
        if args.json {
            say!(
                "{}",
                report::fit_json(family, &fit, 0.0, loaded.table.skipped, fields)
            );
        } else {
            say!("{fit}");
        }
        return Ok(ExitCode::from(NOT_CONVERGED));
    }
    let interval = model.profile(data, &fit, &args.param, args.level)?;
    // A profile that met a better optimum refitted from it: everything below is about the
    // refit.
    let fit = interval.refit().unwrap_or(&fit);
    if args.json {
        say!(
            "{}",
            report::profile_json(family, fit, &interval, loaded.table.skipped, fields)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let described = loaded.describe();
    if !described.is_empty() {
        say!("({described})");
    }
    say!("{}", fit.summary().with_profile(&interval));
    say!("\n{interval}");
    let space = model
        .params()
        .iter()
        .find(|p| p.name == args.param)
        .map_or(maxlik::Space::Free, |p| p.space);
    let grid = plot::profile_grid(&interval, space);
    let curve = model.profile_points(data, fit, &args.param, &grid)?;
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

//! `maxlik demo`: the articles' example (N(5, 2), n = 100, seed 42) and an Exponential one,
//! each fitted by L-BFGS and Nelder-Mead beside its closed form, with figures.

use std::path::Path;

use anyhow::{Context, Result};
use maxlik::{ClosedForm, Family, FamilyDensity, Fit, Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp, Normal};

use crate::plot;

/// The closed form and both fits, side by side.
fn table(title: &str, exact: &ClosedForm, fits: &[&Fit]) {
    say!("\n{title}");
    say!(
        "{:<18} {:>22} {:>22} {:>22}",
        "",
        "closed form",
        "L-BFGS",
        "Nelder-Mead"
    );
    for name in exact.names() {
        let cell = |f: &Fit| f.estimate(name).map_or("-".into(), |v| format!("{v:.15}"));
        say!(
            "{:<18} {:>22.15} {:>22} {:>22}",
            name,
            exact.estimate(name).unwrap_or(f64::NAN),
            cell(fits[0]),
            cell(fits[1])
        );
        let se = |f: &Fit| {
            f.std_error(name)
                .map_or("n/a".into(), |v| format!("{v:.15}"))
        };
        say!(
            "{:<18} {:>22.15} {:>22} {:>22}",
            format!("  SE({name})"),
            exact.std_error(name).unwrap_or(f64::NAN),
            se(fits[0]),
            se(fits[1])
        );
    }
    let row = |label: &str, closed: String, f: &dyn Fn(&Fit) -> String| {
        say!(
            "{label:<18} {closed:>22} {:>22} {:>22}",
            f(fits[0]),
            f(fits[1])
        );
    };
    row("log-likelihood", format!("{:.10}", -exact.nll()), &|f| {
        format!("{:.10}", f.log_likelihood())
    });
    row("iterations", "-".into(), &|f| f.iterations().to_string());
    row("NLL evaluations", "-".into(), &|f| {
        f.nll_passes().to_string()
    });
    row("time", "-".into(), &|f| format!("{:.3?}", f.elapsed()));
    row("verdict", "-".into(), &|f| f.trust().to_string());
    for f in fits {
        if let Ok(cmp) = exact.compare(f) {
            say!(
                "{}: largest distance from the closed form {:.1e} standard errors",
                f.method(),
                cmp.max_in_std_errors()
            );
        }
    }
}

/// Runs the demo, writing its figures to `out`; returns whether every fit converged.
pub fn run(out: &Path) -> Result<bool> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;

    // The articles' example: 100 draws from N(5, 2), seed 42, starting from (0, 1).
    let mut rng = StdRng::seed_from_u64(42);
    let normal: Vec<f64> = Normal::new(5.0, 2.0)?
        .sample_iter(&mut rng)
        .take(100)
        .collect();
    let model = Model::builder(FamilyDensity(Family::Normal))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()?;
    let lbfgs = model.fit(&normal, Method::Lbfgs)?;
    let nelder_mead = model.fit(&normal, Method::NelderMead)?;
    let exact = ClosedForm::normal(&normal)?;
    table(
        "Normal: 100 draws from N(5, 2), seed 42, start (mu, sigma) = (0, 1)",
        &exact,
        &[&lbfgs, &nelder_mead],
    );

    // Waiting times: 200 draws from an Exponential with rate 0.25, start rate = 1.
    let mut rng = StdRng::seed_from_u64(7);
    let waits: Vec<f64> = Exp::new(0.25)?.sample_iter(&mut rng).take(200).collect();
    let exp_model = Model::builder(FamilyDensity(Family::Exponential))
        .positive("rate", 1.0)
        .build()?;
    let exp_lbfgs = exp_model.fit(&waits, Method::Lbfgs)?;
    let exp_nm = exp_model.fit(&waits, Method::NelderMead)?;
    let exp_exact = ClosedForm::exponential(&waits)?;
    table(
        "Exponential: 200 draws with rate 0.25, seed 7, start rate = 1",
        &exp_exact,
        &[&exp_lbfgs, &exp_nm],
    );

    let profile = model.profile(&normal, &lbfgs, "mu", 0.95)?;
    say!("\n{profile}");
    let (wald_lo, wald_hi) = lbfgs.wald_interval("mu", 0.95)?;
    say!("95% Wald interval for mu: [{wald_lo:.6}, {wald_hi:.6}]");

    let figures = [
        (
            "normal_fit.svg",
            "histogram of the Normal data with the fitted density",
        ),
        (
            "normal_contours.svg",
            "the NLL's contours with the L-BFGS and Nelder-Mead paths",
        ),
        (
            "normal_profile_mu.svg",
            "the profile log-likelihood of mu with its 95% interval",
        ),
        (
            "exponential_fit.svg",
            "histogram of the waiting times with the fitted density",
        ),
    ];
    plot::density(&out.join(figures[0].0), Family::Normal, &normal, &lbfgs)?;
    plot::contours(
        &out.join(figures[1].0),
        &model,
        &normal,
        &[("L-BFGS", &lbfgs), ("Nelder-Mead", &nelder_mead)],
    )?;
    let curve = model.profile_points(
        &normal,
        &lbfgs,
        "mu",
        &plot::profile_grid(&profile, maxlik::Space::Free),
    )?;
    plot::profile(&out.join(figures[2].0), &profile, &curve)?;
    plot::density(
        &out.join(figures[3].0),
        Family::Exponential,
        &waits,
        &exp_lbfgs,
    )?;
    say!("\nfigures written to {}/:", out.display());
    for (file, what) in figures {
        say!("  {file:<24} {what}");
    }
    let all = [&lbfgs, &nelder_mead, &exp_lbfgs, &exp_nm];
    Ok(all.iter().all(|f| f.converged()))
}

//! Standard errors of every kind (issue 11) against R's `sandwich` on a Poisson regression of
//! the overdispersed `warpbreaks` data (`breaks ~ wool + tension`): observed information (glm),
//! HC0 sandwich, outer product of gradients, cluster-robust over nine looms (`vcovCL`, HC0 with
//! the G/(G − 1) adjustment), and the sandwich of a pseudo-likelihood under sampling weights.
//! Values from `tests/data/r/issue11_references.R`; R is never called here.

// The references are R's 17-digit output, copied as printed.
#![allow(clippy::excessive_precision)]

use statrs::function::gamma::ln_gamma;

use maxlik::{Error, FitOptions, Method, Model, SeKind, Weighted, Weights};

/// Estimates must agree with the reference to this many of their standard errors.
const ESTIMATE_IN_SE: f64 = 1e-6;
/// Standard errors must agree with the reference's to this relative error.
const SE_RELATIVE: f64 = 1e-6;

const COEF: [f64; 4] = [
    3.6919631449407966,
    -0.2059884426386217,
    -0.3213204316006118,
    -0.5184884965115607,
];

type Row = (f64, [f64; 3]);

/// (breaks, [woolB, tensionM, tensionH]) and the loom of each row.
fn warpbreaks() -> (Vec<Row>, Vec<u64>) {
    let path = format!("{}/tests/data/warpbreaks.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut looms = Vec::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
        rows.push((v[0], [v[1], v[2], v[3]]));
        looms.push(v[4] as u64);
    }
    (rows, looms)
}

fn ln_pmf(obs: &Row, b: &[f64]) -> f64 {
    let eta = b[0] + b[1] * obs.1[0] + b[2] * obs.1[1] + b[3] * obs.1[2];
    obs.0 * eta - eta.exp() - ln_gamma(obs.0 + 1.0)
}

fn model<O: Sync, F: maxlik::LogDensity<O> + Sync>(density: F) -> Model<O, F> {
    Model::builder(density)
        .param("intercept", 1.0)
        .param("woolB", 0.0)
        .param("tensionM", 0.0)
        .param("tensionH", 0.0)
        .build()
        .unwrap()
}

fn options(method: Method, kind: SeKind) -> maxlik::FitOptionsBuilder {
    FitOptions::builder(method).tolerance(1e-9).se_kind(kind)
}

fn check(fit: &maxlik::Fit, coef: &[f64], se: &[f64], what: &str) {
    let inference = fit.std_errors().unwrap();
    for k in 0..4 {
        let s = inference.std_errors()[k].unwrap();
        let gap = (fit.estimates()[k] - coef[k]).abs() / se[k];
        assert!(gap <= ESTIMATE_IN_SE, "{what} estimate {k}: {gap:.1e} SE");
        let rel = (s - se[k]).abs() / se[k];
        assert!(
            rel <= SE_RELATIVE,
            "{what} SE {k}: {s} vs {} ({rel:.1e})",
            se[k]
        );
    }
}

#[test]
fn every_kind_of_standard_error_matches_sandwich() {
    let (data, looms) = warpbreaks();
    let model = model(ln_pmf);
    let references = [
        (
            SeKind::Observed,
            [
                0.045410794342557848,
                0.051571242783575215,
                0.060265916695220391,
                0.063959519395746886,
            ],
        ),
        (
            SeKind::Robust,
            [
                0.11657816684122582,
                0.10432135915862692,
                0.12895602268615963,
                0.12492439633298166,
            ],
        ),
        (
            SeKind::Opg,
            [
                0.017771952997138976,
                0.02759190238136848,
                0.029782660050135773,
                0.035044038571690195,
            ],
        ),
    ];
    for method in [Method::Lbfgs, Method::NelderMead] {
        for (kind, se) in references {
            let fit = model
                .fit_with(&data, &options(method, kind).build().unwrap())
                .unwrap();
            assert_eq!(fit.std_errors().unwrap().kind(), kind);
            check(&fit, &COEF, &se, &format!("{method} {kind}"));
        }
        let clustered = FitOptions::builder(method)
            .tolerance(1e-9)
            .clusters(looms.clone())
            .build()
            .unwrap();
        let fit = model.fit_with(&data, &clustered).unwrap();
        assert_eq!(fit.std_errors().unwrap().kind(), SeKind::Cluster);
        check(
            &fit,
            &COEF,
            &[
                0.13837461507494542,
                0.064791841924288635,
                0.12435990850081685,
                0.13841808937326652,
            ],
            &format!("{method} cluster"),
        );
    }
}

/// Sampling weights make a pseudo-likelihood: robust standard errors by default, the
/// observed-information kind refused with a typed error.
#[test]
fn sampling_weights_give_the_pseudo_likelihood_sandwich() {
    let (data, _) = warpbreaks();
    let weights: Vec<f64> = (1..=data.len())
        .map(|i| 0.5 + (i % 7) as f64 / 4.0)
        .collect();
    let weighted = Weighted::pair(data, &weights).unwrap();
    let model = model(Weights::sampling(ln_pmf));
    for method in [Method::Lbfgs, Method::NelderMead] {
        let fit = model
            .fit_with(
                &weighted,
                &FitOptions::builder(method).tolerance(1e-9).build().unwrap(),
            )
            .unwrap();
        assert_eq!(fit.std_errors().unwrap().kind(), SeKind::Robust);
        assert_eq!(fit.sample_size(), 54.0);
        check(
            &fit,
            &[
                3.7481178847688517,
                -0.201758214499143,
                -0.37322132043810802,
                -0.53542543662482844,
            ],
            &[
                0.12032939050734481,
                0.10302645062709634,
                0.1321232732151037,
                0.12373250599045139,
            ],
            &format!("{method} sampling weights"),
        );
        for kind in [SeKind::Observed, SeKind::Opg] {
            assert!(matches!(
                model.fit_with(&weighted, &options(method, kind).build().unwrap()),
                Err(Error::UnsuitableStdErrors { .. })
            ));
        }
    }
}

#[test]
fn cluster_keys_must_be_one_per_observation() {
    let (data, looms) = warpbreaks();
    let options = FitOptions::builder(Method::Lbfgs)
        .clusters(looms[1..].to_vec())
        .build()
        .unwrap();
    assert!(matches!(
        model(ln_pmf).fit_with(&data, &options),
        Err(Error::WrongLength {
            expected: 54,
            got: 53,
            ..
        })
    ));
    assert!(matches!(
        FitOptions::builder(Method::Lbfgs)
            .se_kind(SeKind::Cluster)
            .build(),
        Err(Error::InvalidOption { .. })
    ));
    // One cluster: no cluster-robust standard errors, and the fit says why.
    let fit = model(ln_pmf)
        .fit_with(
            &data,
            &FitOptions::builder(Method::Lbfgs)
                .clusters(vec![7; 54])
                .build()
                .unwrap(),
        )
        .unwrap();
    assert!(matches!(
        fit.std_errors(),
        Err(maxlik::SeUnavailable::TooFewClusters { clusters: 1 })
    ));
}

//! The families added for issue 14 against R: log-densities, log CDFs and log survival
//! functions at fixed points against base R (`dlogis`, `dcauchy`, `dt`, `dgamma`, `dgeom`,
//! `dnbinom`, ...), actuar (`dllogis`, `dpareto`), evd (`dgumbel`) and statmod
//! (`dinvgauss`); and the MLEs on samples simulated in R (`tests/data/families14.csv`) against
//! R's optimizer run to convergence. Script and output: `tests/data/r/issue14_references.R` and
//! `.out`; the values are copied here, R is never called.

// The references are R's 17-digit output, copied as printed.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

use maxlik::{Family, FitOptions, Method};
use rand::SeedableRng;

/// Densities and tails: the same functions by other formulas; a relative 1e-12 with an
/// absolute floor where R forms `1 − F` by subtraction (evd's Gumbel tail, ~1e-16).
fn close(ours: f64, r: f64) -> bool {
    if r.is_infinite() {
        return ours == r;
    }
    (ours - r).abs() <= 1e-12 * r.abs() + 1e-15
}

/// The MLE agrees with R's to this many standard errors (R's Nelder-Mead and BFGS stop
/// ~1e-7 relative short; ours within 1e-6 SE of the optimum).
const MLE_IN_SE: f64 = 1e-3;

struct Reference {
    family: Family,
    column: usize,
    mle: &'static [f64],
    loglik: f64,
    at: &'static [f64],
    points: [f64; 4],
    ln_pdf: [f64; 4],
    ln_cdf: [f64; 4],
    ln_sf: [f64; 4],
}

const REFERENCES: [Reference; 10] = [
    Reference {
        family: Family::Logistic,
        column: 0,
        mle: &[2.4371864861662962, 2.0451023379908344],
        loglik: -542.69645456102626,
        at: &[2.5, 1.5],
        points: [-20.0, 0.29999999999999999, 2.5, 40.0],
        ln_pdf: [
            -15.405465719912712,
            -2.2872869216775453,
            -1.791759469228055,
            -25.405465108135939,
        ],
        ln_cdf: [
            -15.000000305902274,
            -1.6742442401180238,
            -0.69314718055994529,
            -1.3887943864867583e-11,
        ],
        ln_sf: [
            -3.0590227371372049e-07,
            -0.20757757345135705,
            -0.69314718055994529,
            -25.000000000013888,
        ],
    },
    Reference {
        family: Family::LogLogistic,
        column: 1,
        mle: &[3.1542280102777842, 4.7814665449144975],
        loglik: -481.89980473551873,
        at: &[2.5, 4.0],
        points: [0.01, 1.0, 4.0, 300.0],
        ln_pdf: [
            -9.4572010749076085,
            -2.6109884882590788,
            -1.856297990365626,
            -15.58125308222057,
        ],
        ln_cdf: [
            -14.978661680269905,
            -3.4965075614664802,
            -0.69314718055994529,
            -2.0527798874429355e-05,
        ],
        ln_sf: [
            -3.1249995117188549e-07,
            -0.030771658666753691,
            -0.69314718055994529,
            -10.793740811642198,
        ],
    },
    Reference {
        family: Family::Pareto,
        column: 2,
        mle: &[4.6025000847386766, 6.5456882226699804],
        loglik: -313.89602621445579,
        at: &[2.5, 3.0],
        points: [0.0, 0.5, 3.0, 10000.0],
        ln_pdf: [
            -0.18232155679395459,
            -0.72184893618935864,
            -2.6083366887537629,
            -28.574419690903706,
        ],
        ln_cdf: [
            f64::NEG_INFINITY,
            -1.1400418396401903,
            -0.19452778497068823,
            -1.5576772072494643e-09,
        ],
        ln_sf: [
            0.0,
            -0.38537669956814591,
            -1.7328679513998633,
            -20.280070095792681,
        ],
    },
    Reference {
        family: Family::Gumbel,
        column: 3,
        mle: &[10.034852976734454, 3.2416834458679178],
        loglik: -550.36341919337394,
        at: &[9.0, 2.5],
        points: [0.0, 8.0, 9.5, 60.0],
        ln_pdf: [
            -33.914525175552143,
            -2.0081154295154251,
            -1.935021484952137,
            -21.316290733255787,
        ],
        ln_cdf: [
            -36.598234443677988,
            -1.4918246976412703,
            -0.81873075307798182,
            -1.3816325870715752e-09,
        ],
        ln_sf: [
            -1.1102230246251565e-16,
            -0.25484295219866177,
            -0.58158975218663655,
            -20.400000000690817,
        ],
    },
    Reference {
        family: Family::Cauchy,
        column: 4,
        mle: &[-0.98625218257120084, 0.4751914242673026],
        loglik: -345.0617678130385,
        at: &[-0.5, 0.8],
        points: [-1000.0, -0.5, 0.10000000000000001, 50.0],
        ln_pdf: [
            -15.182384385684795,
            -0.92158633453519034,
            -1.3678734371636099,
            -9.2120710340307497,
        ],
        ln_cdf: [
            -8.2751288046508318,
            -0.69314718055994529,
            -0.34979471750208641,
            -0.0050548654290615601,
        ],
        ln_sf: [
            -0.00025480770291448781,
            -0.69314718055994529,
            -1.2202131839440651,
            -5.2899304162789331,
        ],
    },
    Reference {
        family: Family::StudentT,
        column: 5,
        mle: &[1.8670696120305674, 1.50805466984349, 4.2979448400871627],
        loglik: -414.74010385177445,
        at: &[1.5, 1.2, 6.5],
        points: [-30.0, 1.0, 1.7, 25.0],
        ln_pdf: [
            -18.663019042554957,
            -1.2384199375323852,
            -1.1555654361339742,
            -16.493432821927424,
        ],
        ln_cdf: [
            -17.0765521913562,
            -1.0637258459110048,
            -0.57331948197310068,
            -2.5210655601534077e-07,
        ],
        ln_sf: [
            -3.8348432934094784e-08,
            -0.42337560442621658,
            -0.82931358350718909,
            -15.193414123529749,
        ],
    },
    Reference {
        family: Family::InverseGaussian,
        column: 6,
        mle: &[2.1055867247594087, 4.7862700149650674],
        loglik: -294.54618949678036,
        at: &[1.5, 4.0],
        points: [0.050000000000000003, 1.2, 3.0, 20.0],
        ln_pdf: [
            -33.109970720091525,
            -0.56594035450232583,
            -2.5403764523135584,
            -19.930500874086825,
        ],
        ln_cdf: [
            -39.805666054771272,
            -0.77085469107209603,
            -0.071506873040308894,
            -2.3117481438518439e-09,
        ],
        ln_sf: [
            -5.1596338574718474e-18,
            -0.62104515542296201,
            -2.6735021016912333,
            -19.885261827546056,
        ],
    },
    Reference {
        family: Family::GammaRate,
        column: 7,
        mle: &[2.584078246653827, 0.73075623225276842],
        loglik: -413.07822101668563,
        at: &[2.0, 0.5],
        points: [0.01, 2.0, 5.0, 60.0],
        ln_pdf: [
            -5.9964645471079816,
            -1.6931471805599452,
            -2.2768564486857903,
            -27.291949798897789,
        ],
        ln_cdf: [
            -11.293114552390634,
            -1.3308932682040548,
            -0.33869118993530178,
            -2.900863120344659e-12,
        ],
        ln_sf: [
            -1.2458488960926402e-05,
            -0.3068528194400546,
            -1.2472370315046319,
            -26.566012795514855,
        ],
    },
    Reference {
        family: Family::Geometric,
        column: 8,
        mle: &[0.27816411255829177],
        loglik: -425.08072752872903,
        at: &[0.25],
        points: [0.0, 1.0, 4.0, 60.0],
        ln_pdf: [
            -1.3862943611198906,
            -1.6739764335716716,
            -2.537022650927014,
            -18.647218708226745,
        ],
        ln_cdf: [
            -1.3862943611198908,
            -0.82667857318446791,
            -0.27089665575976718,
            -2.3918672483169949e-08,
        ],
        ln_sf: [
            -0.2876820724517809,
            -0.5753641449035618,
            -1.4384103622589044,
            -17.548606419558634,
        ],
    },
    Reference {
        family: Family::NegativeBinomial,
        column: 9,
        mle: &[2.1178147921494785, 6.6350000403449307],
        loglik: -576.9476911178723,
        at: &[1.5, 5.0],
        points: [0.0, 3.0, 5.0, 60.0],
        ln_pdf: [
            -2.1995056031901403,
            -2.2038390573429814,
            -2.5154743708172553,
            -15.767191458901294,
        ],
        ln_cdf: [
            -2.1995056031901403,
            -0.75047367029883805,
            -0.43311276766539808,
            -4.8984691366111026e-07,
        ],
        ln_sf: [
            -0.11749827291871817,
            -0.63892959953243889,
            -1.0455096061476463,
            -14.529173160678599,
        ],
    },
];

fn column(k: usize) -> Vec<f64> {
    let path = format!("{}/tests/data/families14.csv", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(k).unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn densities_and_tails_equal_r() {
    for r in &REFERENCES {
        for i in 0..4 {
            let x = r.points[i];
            let (ln_cdf, ln_sf) = r.family.ln_cdf_sf(x, r.at);
            let ln_pdf = r.family.ln_density(x, r.at);
            assert!(
                close(ln_pdf, r.ln_pdf[i]),
                "{} pdf at {x}: {ln_pdf} vs {}",
                r.family,
                r.ln_pdf[i]
            );
            assert!(
                close(ln_cdf, r.ln_cdf[i]),
                "{} cdf at {x}: {ln_cdf} vs {}",
                r.family,
                r.ln_cdf[i]
            );
            assert!(
                close(ln_sf, r.ln_sf[i]),
                "{} sf at {x}: {ln_sf} vs {}",
                r.family,
                r.ln_sf[i]
            );
        }
    }
}

#[test]
fn mles_equal_rs_on_rs_samples() {
    let options = FitOptions::builder(Method::Lbfgs)
        .tolerance(1e-9)
        .build()
        .unwrap();
    for r in &REFERENCES {
        let x = column(r.column);
        assert_eq!(x.len(), 200);
        let fit = r.family.fit(&x, &options).unwrap();
        assert!(fit.converged(), "{}: {fit}", r.family);
        for (k, name) in r.family.names().iter().enumerate() {
            let se = fit.std_error(name).unwrap();
            let off = (fit.estimates()[k] - r.mle[k]).abs() / se;
            assert!(
                off < MLE_IN_SE,
                "{} {name}: {} vs {} ({off:.1e} SE)",
                r.family,
                fit.estimates()[k],
                r.mle[k]
            );
        }
        // Never below R's optimum; above it only by what R's optimizer left.
        let ll = fit.log_likelihood();
        assert!(
            ll >= r.loglik - 1e-9 * r.loglik.abs(),
            "{}: {ll} < {}",
            r.family,
            r.loglik
        );
        assert!(
            ll <= r.loglik + 1e-7 * r.loglik.abs(),
            "{}: {ll} >> {}",
            r.family,
            r.loglik
        );
    }
}

/// Each family's sampler, quantile and CDF agree: the quantile inverts the CDF, and a large
/// sample's empirical CDF at the median is within 5 binomial SDs of one half.
#[test]
fn samplers_and_quantiles_agree_with_the_cdf() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    for r in &REFERENCES {
        let n = 20_000;
        let x = r.family.sample(r.at, n, &mut rng).unwrap();
        let median = r.family.quantile(0.5, r.at).unwrap();
        let (ln_f, _) = r.family.ln_cdf_sf(median, r.at);
        if r.family.is_discrete() {
            assert!(ln_f.exp() >= 0.5, "{}", r.family);
        } else {
            assert!(
                (ln_f.exp() - 0.5).abs() < 1e-12,
                "{}: F(median) = {}",
                r.family,
                ln_f.exp()
            );
            let share = x.iter().filter(|&&v| v <= median).count() as f64 / n as f64;
            let sd = (0.25 / n as f64).sqrt();
            assert!((share - 0.5).abs() < 5.0 * sd, "{}: {share}", r.family);
        }
        for p in [1e-6, 0.1, 0.9, 1.0 - 1e-9] {
            let q = r.family.quantile(p, r.at).unwrap();
            if !r.family.is_discrete() {
                let (ln_f, ln_s) = r.family.ln_cdf_sf(q, r.at);
                let got = if p < 0.5 {
                    ln_f.exp()
                } else {
                    1.0 - ln_s.exp()
                };
                approx::assert_relative_eq!(got, p, max_relative = 1e-9);
            }
        }
    }
}

/// The binomial with a known number of trials: R's `dbinom`/`pbinom` at 20 trials, prob 0.3;
/// the MLE of prob is the mean over the trials; without the trials it is a typed error.
#[test]
fn binomial_with_known_trials() {
    let at = [20.0, 0.3];
    let points = [0.0, 3.0, 7.0, 20.0];
    let ln_pdf = [
        -7.1334988787746489,
        -2.6366089185477173,
        -1.806292654920425,
        -24.079456086518721,
    ];
    let ln_cdf = [
        -7.1334988787746489,
        -2.2341155163671473,
        -0.2584187217246684,
        0.0,
    ];
    let ln_sf = [
        -0.00079824117270618994,
        -0.11326590832169803,
        -1.4796024550761726,
        f64::NEG_INFINITY,
    ];
    for i in 0..4 {
        let (c, s) = Family::Binomial.ln_cdf_sf(points[i], &at);
        assert!(
            close(Family::Binomial.ln_density(points[i], &at), ln_pdf[i]),
            "pdf {i}"
        );
        assert!(close(c, ln_cdf[i]), "cdf {i}: {c}");
        assert!(close(s, ln_sf[i]), "sf {i}: {s}");
    }
    let x = [3.0, 5.0, 4.0, 8.0, 2.0, 6.0, 5.0, 7.0];
    let settings = maxlik::Settings::new().fix("size", 10.0).unwrap();
    let model = Family::Binomial.model_with(&x, &settings).unwrap();
    let fit = model.fit_with(&x, &FitOptions::new(Method::Lbfgs)).unwrap();
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let se = fit.std_error("prob").unwrap();
    // The binomial's closed form, and its standard error √(p(1 − p)/(n·size)).
    assert!((fit.estimate("prob").unwrap() - mean / 10.0).abs() < 1e-6 * se);
    let p = mean / 10.0;
    approx::assert_relative_eq!(se, (p * (1.0 - p) / 80.0).sqrt(), max_relative = 1e-6);
    assert!(matches!(
        Family::Binomial.fit(&x, &FitOptions::new(Method::Lbfgs)),
        Err(maxlik::Error::FixRequired { .. })
    ));
    let too_many = maxlik::Settings::new().fix("size", 6.0).unwrap();
    assert!(matches!(
        Family::Binomial.model_with(&x, &too_many),
        Err(maxlik::Error::InvalidObservation { index: 3, .. })
    ));
}

/// A family at parameters, four points, and R's log-density, log CDF and log survival there.
type Case = (
    Family,
    &'static [f64],
    [f64; 4],
    [f64; 4],
    [f64; 4],
    [f64; 4],
);

/// The extreme-value families against evd: GEV with a heavy (shape 0.2) and a bounded (shape
/// −0.25) upper tail, and the generalized Pareto; densities and tails at fixed points, and the
/// MLEs on evd's samples (`tests/data/extremes14.csv`) against R's optimizer run to
/// convergence. Their support depends on the parameters: outside it the log-density is −∞,
/// and the fits must still end converged and trusted from the built-in starts.
#[test]
fn extreme_value_families_equal_evd() {
    let cases: [Case; 3] = [
        (
            Family::Gev,
            &[10.0, 2.0, 0.2],
            [4.0, 9.0, 12.0, 40.0],
            [
                -92.851652789315125,
                -1.7544928674560163,
                -2.1889540933401337,
                -9.0118899097792884,
            ],
            [
                -97.656250000000114,
                -1.6935087808430287,
                -0.40187757201646096,
                -0.00097656250000000087,
            ],
            [
                0.0,
                -0.20318556838381108,
                -1.1058262045057059,
                -6.9319600471130229,
            ],
        ),
        (
            Family::Gev,
            &[10.0, 2.0, -0.25],
            [3.0, 9.0, 12.0, 17.5],
            [
                -11.166940342917822,
                -1.9416047142157951,
                -1.8725996479152882,
                -9.0109286060683509,
            ],
            [
                -12.359619140624998,
                -1.601806640625,
                -0.31640625000000006,
                -1.5258789062500007e-05,
            ],
            [
                -4.2883136260251469e-06,
                -0.22506050353736026,
                -1.304763517895339,
                -11.090362518343955,
            ],
        ),
        (
            Family::GeneralizedPareto,
            &[1.5, 0.3],
            [0.01, 1.0, 5.0, 300.0],
            [
                -0.41412311964641435,
                -1.1955251875486343,
                -3.4091028905345948,
                -18.21925185285918,
            ],
            [
                -5.0149626180450726,
                -0.78653748202125495,
                -0.10448597123664956,
                -1.1191821965923751e-06,
            ],
            [
                -0.0066600088755768543,
                -0.6077385226465154,
                -2.3104906018664844,
                -13.702912880577705,
            ],
        ),
    ];
    for (family, at, points, pdf, cdf, sf) in cases {
        for i in 0..4 {
            let (c, s) = family.ln_cdf_sf(points[i], at);
            let d = family.ln_density(points[i], at);
            assert!(
                close(d, pdf[i]),
                "{family} pdf at {}: {d} vs {}",
                points[i],
                pdf[i]
            );
            assert!(
                close(c, cdf[i]),
                "{family} cdf at {}: {c} vs {}",
                points[i],
                cdf[i]
            );
            assert!(
                close(s, sf[i]),
                "{family} sf at {}: {s} vs {}",
                points[i],
                sf[i]
            );
        }
    }
    let path = format!("{}/tests/data/extremes14.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let col = |k: usize| -> Vec<f64> {
        text.lines()
            .skip(1)
            .map(|l| l.split(',').nth(k).unwrap().trim().parse().unwrap())
            .collect()
    };
    let fits: [(Family, usize, &[f64], f64); 3] = [
        (
            Family::Gev,
            0,
            &[9.9713332040352292, 2.0640905821023416, 0.31391615840840226],
            -372.30627468047373,
        ),
        (
            Family::Gev,
            1,
            &[9.985856758831936, 2.1545163478984009, -0.3562863180120609],
            -321.36951891120719,
        ),
        (
            Family::GeneralizedPareto,
            2,
            &[1.0939151698352396, 0.19609799286057997],
            -192.87917090762301,
        ),
    ];
    let options = FitOptions::builder(Method::Lbfgs)
        .tolerance(1e-9)
        .build()
        .unwrap();
    for (family, k, mle, loglik) in fits {
        let x = col(k);
        let fit = family.fit(&x, &options).unwrap();
        assert!(fit.converged(), "{family}: {fit}");
        assert_ne!(fit.trust(), maxlik::Trust::NotTrusted, "{family}: {fit}");
        for (j, name) in family.names().iter().enumerate() {
            let se = fit.std_error(name).unwrap();
            let off = (fit.estimates()[j] - mle[j]).abs() / se;
            assert!(
                off < MLE_IN_SE,
                "{family} {name}: {} vs {} ({off:.1e} SE)",
                fit.estimates()[j],
                mle[j]
            );
        }
        let ll = fit.log_likelihood();
        assert!(
            ll >= loglik - 1e-9 * loglik.abs(),
            "{family}: {ll} < {loglik}"
        );
    }
    // Samplers and quantiles: half of a large sample below the median, both tails inverted.
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    for (family, at) in [
        (Family::Gev, &[10.0, 2.0, 0.2][..]),
        (Family::Gev, &[10.0, 2.0, -0.25][..]),
        (Family::GeneralizedPareto, &[1.5, 0.3][..]),
    ] {
        let x = family.sample(at, 20_000, &mut rng).unwrap();
        let median = family.quantile(0.5, at).unwrap();
        let share = x.iter().filter(|&&v| v <= median).count() as f64 / 20_000.0;
        assert!(
            (share - 0.5).abs() < 5.0 * (0.25f64 / 20_000.0).sqrt(),
            "{family}: {share}"
        );
        for p in [1e-6, 0.99] {
            let q = family.quantile(p, at).unwrap();
            let (c, s) = family.ln_cdf_sf(q, at);
            let got = if p < 0.5 { c.exp() } else { 1.0 - s.exp() };
            approx::assert_relative_eq!(got, p, max_relative = 1e-9);
        }
    }
}

/// A three-component normal mixture against mclust's EM (model "V", run to 1e-14) on a
/// sample simulated in R (`tests/data/mixture3.csv`): the same optimum (the components
/// ordered by their means), from the k-means start and ten starts.
#[test]
fn three_component_mixture_equals_mclust() {
    let path = format!("{}/tests/data/mixture3.csv", env!("CARGO_MANIFEST_DIR"));
    let x: Vec<f64> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(x.len(), 600);
    let weights = [
        0.30737853963280121,
        0.46109680933688663,
        0.23152465103031233,
    ];
    let means = [
        -0.077406307638567248,
        3.9156811761089698,
        8.9817987949184488,
    ];
    let sds = [0.92741375538433235, 1.5363408946338681, 0.7360349876211959];
    let loglik = -1470.0779056975787;
    let model = maxlik::normal_mixture(3, &x).unwrap();
    let options = FitOptions::builder(Method::Lbfgs)
        .tolerance(1e-9)
        .starts(10)
        .build()
        .unwrap();
    let fit = model.fit_with(&x, &options).unwrap();
    assert!(fit.converged(), "{fit}");
    // Order our components by their means (labels are arbitrary).
    let e = fit.estimates();
    let w: Vec<f64> = e[..2].iter().copied().chain([1.0 - e[0] - e[1]]).collect();
    let mut order: Vec<usize> = (0..3).collect();
    order.sort_by(|&a, &b| e[2 + a].total_cmp(&e[2 + b]));
    for (j, &c) in order.iter().enumerate() {
        let mu_se = fit.std_error(&format!("mu{}", c + 1)).unwrap();
        assert!(
            (e[2 + c] - means[j]).abs() < 1e-3 * mu_se,
            "mu {j}: {} vs {}",
            e[2 + c],
            means[j]
        );
        let sd_se = fit.std_error(&format!("sigma{}", c + 1)).unwrap();
        assert!((e[5 + c] - sds[j]).abs() < 1e-3 * sd_se, "sigma {j}");
        approx::assert_relative_eq!(w[c], weights[j], max_relative = 1e-4);
    }
    approx::assert_relative_eq!(fit.log_likelihood(), loglik, max_relative = 1e-10);
    assert!(matches!(
        maxlik::normal_mixture(11, &x),
        Err(maxlik::Error::InvalidOption { .. })
    ));
    assert!(matches!(
        maxlik::normal_mixture(3, &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]),
        Err(maxlik::Error::DegenerateData { .. })
    ));
}

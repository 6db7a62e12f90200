//! Bad input: each case gives its typed error or an honest not-converged verdict, never a panic
//! and never a silent wrong answer.

mod common;

use common::{exponential_ln_pdf, normal_ln_pdf, normal_model, normal_sample};
use maxlik::{ClosedForm, Convergence, Error, FitOptions, Method, Model, StopReason};

const METHODS: [Method; 2] = [Method::Lbfgs, Method::NelderMead];

#[test]
fn empty_data_is_an_error() {
    let model = normal_model(0.0, 1.0);
    for method in METHODS {
        assert!(matches!(model.fit(&[], method), Err(Error::EmptyData)));
    }
    assert!(matches!(model.nll(&[], &[0.0, 1.0]), Err(Error::EmptyData)));
    assert!(matches!(
        ClosedForm::exponential(&[]),
        Err(Error::EmptyData)
    ));
}

#[test]
fn nan_or_infinity_in_the_data_names_the_observation() {
    let model = normal_model(0.0, 1.0);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut data = normal_sample(0.0, 1.0, 20, 1);
        data[13] = bad;
        for method in METHODS {
            let err = model.fit(&data, method).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Evaluation(maxlik::EvaluationFailure::NonFiniteLogDensity {
                        index: 13,
                        ..
                    })
                ),
                "{bad}: {err}"
            );
        }
        assert!(matches!(
            ClosedForm::normal(&data),
            Err(Error::InvalidObservation { index: 13, .. })
        ));
    }
}

#[test]
fn a_closure_failing_at_the_start_is_an_error() {
    let data = normal_sample(0.0, 1.0, 20, 2);
    for value in [f64::NAN, f64::NEG_INFINITY] {
        let model = Model::builder(move |_: &f64, _: &[f64]| value)
            .param("a", 1.0)
            .build()
            .unwrap();
        for method in METHODS {
            let err = model.fit(&data, method).unwrap_err();
            assert!(
                matches!(err, Error::Evaluation(maxlik::EvaluationFailure::NonFiniteLogDensity { index: 0, ref params, .. }) if params == &[1.0]),
                "{err}"
            );
        }
    }
}

#[test]
fn a_closure_failing_mid_fit_stops_honestly() {
    // The closure is NaN (or -inf) for mu in (2, 3): the optimizer, started at mu = 0 with the
    // optimum near 5, cannot reach the optimum without evaluating there or beyond.
    let data = normal_sample(5.0, 0.5, 200, 3);
    for value in [f64::NAN, f64::NEG_INFINITY] {
        let model = Model::builder(move |x: &f64, p: &[f64]| {
            if p[0] > 2.0 && p[0] < 3.0 {
                value
            } else {
                normal_ln_pdf(*x, p[0], p[1])
            }
        })
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
        for method in METHODS {
            let fit = model.fit(&data, method).unwrap();
            let mu = fit.estimate("mu").unwrap();
            // Either it stopped on the failure, or it stepped over the bad region and the
            // answer is the right one: never a wrong answer presented as converged.
            match fit.convergence() {
                Convergence::NotConverged(StopReason::Evaluation(
                    maxlik::EvaluationFailure::NonFiniteLogDensity { index, params, .. },
                )) => {
                    assert_eq!(*index, 0);
                    assert!(params[0] > 2.0 && params[0] < 3.0, "{params:?}");
                    assert!(format!("{fit}").contains("NOT CONVERGED"));
                }
                Convergence::Converged(_) => {
                    let exact = ClosedForm::normal(&data).unwrap();
                    assert!(
                        exact.compare(&fit).unwrap().max_in_std_errors() < 1e-3,
                        "{fit}"
                    );
                }
                other => panic!("{method} {value}: unexpected {other:?} at mu = {mu}"),
            }
            if !fit.converged() {
                assert!(matches!(
                    fit.clone().require_converged(),
                    Err(Error::NotConverged { .. })
                ));
            }
        }
    }
}

#[test]
fn a_parameter_vector_of_the_wrong_length_is_an_error() {
    let model = normal_model(0.0, 1.0);
    let data = normal_sample(0.0, 1.0, 10, 4);
    assert!(matches!(
        model.nll(&data, &[0.0]),
        Err(Error::WrongParameterCount {
            expected: 2,
            got: 1
        })
    ));
    let options = FitOptions::builder(Method::Lbfgs)
        .start(vec![0.0, 1.0, 2.0])
        .build()
        .unwrap();
    assert!(matches!(
        model.fit_with(&data, &options),
        Err(Error::WrongParameterCount {
            expected: 2,
            got: 3
        })
    ));
}

#[test]
fn a_start_outside_its_space_is_an_error_when_built() {
    let build = |sigma0: f64| {
        Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
            .param("mu", 0.0)
            .positive("sigma", sigma0)
            .build()
    };
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(build(bad), Err(Error::OutsideSpace { .. })),
            "{bad}"
        );
    }
    let interval = Model::builder(|x: &f64, p: &[f64]| exponential_ln_pdf(*x, p[0]))
        .interval("rate", 2.0, 0.0, 1.0)
        .build();
    assert!(matches!(interval, Err(Error::OutsideSpace { .. })));
    // A start given at fit time is checked too.
    let model = normal_model(0.0, 1.0);
    let options = FitOptions::builder(Method::Lbfgs)
        .start(vec![0.0, -2.0])
        .build()
        .unwrap();
    assert!(matches!(
        model.fit_with(&[1.0, 2.0], &options),
        Err(Error::OutsideSpace { .. })
    ));
}

#[test]
fn all_equal_data_is_not_converged_for_a_normal() {
    let data = vec![3.25; 50];
    let model = normal_model(0.0, 1.0);
    for method in METHODS {
        let fit = model.fit(&data, method).unwrap();
        assert!(!fit.converged(), "{method}: {fit}");
        assert!(format!("{fit}").contains("NOT CONVERGED"));
    }
    assert!(matches!(
        ClosedForm::normal(&data),
        Err(Error::DegenerateData { .. })
    ));
}

#[test]
fn invalid_options_are_errors_when_built() {
    assert!(matches!(
        FitOptions::builder(Method::Lbfgs).max_iters(0).build(),
        Err(Error::InvalidOption {
            option: "max_iters",
            ..
        })
    ));
    for bad in [0.0, -1e-6, 1.0, f64::NAN] {
        assert!(matches!(
            FitOptions::builder(Method::NelderMead)
                .tolerance(bad)
                .build(),
            Err(Error::InvalidOption {
                option: "tolerance",
                ..
            })
        ));
    }
}

#[test]
fn an_iteration_cap_that_is_hit_is_not_convergence() {
    let data = normal_sample(5.0, 2.0, 100, 5);
    let model = normal_model(-10.0, 10.0);
    for method in METHODS {
        let options = FitOptions::builder(method).max_iters(2).build().unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        assert!(
            matches!(
                fit.convergence(),
                Convergence::NotConverged(StopReason::MaxIterations { iterations: 2 })
            ),
            "{method}: {fit}"
        );
        assert!(fit.iterations() <= 2);
    }
}

#[test]
fn invalid_declarations_are_errors_when_built() {
    let f = |x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]);
    assert!(matches!(
        Model::builder(f)
            .param("mu", 0.0)
            .positive("mu", 1.0)
            .build(),
        Err(Error::DuplicateParameter { .. })
    ));
    assert!(matches!(
        Model::builder(f)
            .fixed("mu", 0.0)
            .fixed("sigma", 1.0)
            .build(),
        Err(Error::NoFreeParameter)
    ));
    assert!(matches!(
        Model::builder(f)
            .param("mu", 0.0)
            .interval("sigma", 1.0, 2.0, 0.5)
            .build(),
        Err(Error::InvalidBounds { .. })
    ));
    assert!(matches!(
        Model::builder(f).param("", 0.0).build(),
        Err(Error::EmptyParameterName { position: 0 })
    ));
}

#[test]
fn a_fixed_parameter_is_held() {
    let data = normal_sample(5.0, 2.0, 400, 6);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .fixed("sigma", 2.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    assert!(fit.converged());
    assert_eq!(fit.estimate("sigma"), Ok(2.0));
    // With sigma fixed the MLE of mu is still the sample mean; its SE is sigma/sqrt(n) = 0.1.
    // L-BFGS must land within 1e-4 of it (issue 2's bound).
    let mean = ClosedForm::normal(&data).unwrap().estimate("mu").unwrap();
    assert!((fit.estimate("mu").unwrap() - mean).abs() <= 1e-4 * 0.1);
    let options = FitOptions::builder(Method::Lbfgs)
        .start(vec![0.0, 3.0])
        .build()
        .unwrap();
    assert!(matches!(
        model.fit_with(&data, &options),
        Err(Error::FixedParameterChanged { .. })
    ));
}

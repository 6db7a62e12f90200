//! A fit knows the model and the data it came from: a profile or a likelihood-ratio test given
//! a fit of another model, or one made on other data, is a typed error, never a panic or a
//! silently wrong interval.

mod common;

use common::{exponential_ln_pdf, normal_ln_pdf, normal_model, normal_sample};
use maxlik::{Error, Method, Model};

fn is_mismatch<T: std::fmt::Debug>(result: maxlik::Result<T>) -> bool {
    matches!(result, Err(Error::FitMismatch { .. }))
}

#[test]
fn a_fit_of_another_model_is_refused() {
    let data = normal_sample(5.0, 2.0, 60, 1);
    let normal = normal_model(0.0, 1.0);
    // One parameter: its fit has fewer parameters than the Normal (this used to panic).
    let exponential = Model::builder(|x: &f64, p: &[f64]| exponential_ln_pdf(x.abs(), p[0]))
        .positive("rate", 1.0)
        .build()
        .unwrap();
    let other = exponential.fit(&data, Method::Lbfgs).unwrap();
    assert!(is_mismatch(normal.profile(&data, &other, "mu", 0.95)));
    assert!(is_mismatch(normal.profile_points(
        &data,
        &other,
        "mu",
        &[5.0]
    )));
    // Same names, another density (a Normal with its scale doubled).
    let wider = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], 2.0 * p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let fit = wider.fit(&data, Method::Lbfgs).unwrap();
    assert!(is_mismatch(normal.profile(&data, &fit, "sigma", 0.95)));
}

#[test]
fn a_fit_made_on_other_data_is_refused() {
    let data = normal_sample(5.0, 2.0, 60, 2);
    let other_data = normal_sample(5.0, 2.0, 60, 3);
    let model = normal_model(0.0, 1.0);
    let fit = model.fit(&other_data, Method::Lbfgs).unwrap();
    // Same size, other values: this used to give a zero-width interval.
    assert!(is_mismatch(model.profile(&data, &fit, "mu", 0.95)));
    assert!(is_mismatch(model.profile_points(
        &data,
        &fit,
        "mu",
        &[4.0, 5.0]
    )));
    // Other size.
    assert!(is_mismatch(model.profile(&data[..59], &fit, "mu", 0.95)));
    // The same observations in another order have the same likelihood: the fit belongs.
    let mut shuffled = other_data.clone();
    shuffled.reverse();
    let interval = model.profile(&shuffled, &fit, "mu", 0.95).unwrap();
    assert!(interval.lower().value().unwrap() < fit.estimate("mu").unwrap());
}

#[test]
fn a_likelihood_ratio_test_needs_both_fits_on_its_data() {
    let data = normal_sample(5.0, 2.0, 80, 4);
    let other_data = normal_sample(5.0, 2.0, 80, 5);
    let full = normal_model(0.0, 1.0);
    let null = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .fixed("mu", 5.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let full_fit = full.fit(&data, Method::Lbfgs).unwrap();
    let null_fit = null.fit(&data, Method::Lbfgs).unwrap();
    assert!(
        full.likelihood_ratio_test(&data, &null_fit, &full_fit)
            .is_ok()
    );
    // The restricted fit made on other data of the same size.
    let null_other = null.fit(&other_data, Method::Lbfgs).unwrap();
    assert!(is_mismatch(full.likelihood_ratio_test(
        &data,
        &null_other,
        &full_fit
    )));
    // The full fit made on other data.
    let full_other = full.fit(&other_data, Method::Lbfgs).unwrap();
    assert!(is_mismatch(full.likelihood_ratio_test(
        &data,
        &null_fit,
        &full_other
    )));
    // A restricted model with another density under the same names.
    let wider_null = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], 2.0 * p[1]))
        .fixed("mu", 5.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let wider_fit = wider_null.fit(&data, Method::Lbfgs).unwrap();
    assert!(is_mismatch(
        full.likelihood_ratio_test(&data, &wider_fit, &full_fit)
    ));
}

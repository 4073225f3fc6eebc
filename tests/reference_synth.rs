//! Synthetic-control weights (W given V) against pysyncon on California's Proposition 99, from
//! fixtures made by `tests/reference/make_synth_fixtures.py`.

use frikommune::estimate::synth::synth_weights;
use serde_json::Value;

#[test]
fn weights_and_fit_match_pysyncon() {
    let path = format!("{}/tests/fixtures/synth_reference.json", env!("CARGO_MANIFEST_DIR"));
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let donors: Vec<&str> = reference["donors"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let floats = |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x1 = floats(&case["x1"]);
        let x0: Vec<Vec<f64>> = (0..donors.len())
            .map(|j| case["x0"].as_array().unwrap().iter().map(|row| row[j].as_f64().unwrap()).collect())
            .collect();
        let v = floats(&case["v"]);
        let fit = synth_weights(&x1, &x0, &v);
        let theirs = case["fit"].as_f64().unwrap();
        // Fit errors are compared on the scale of the problem, x₁′Vx₁ (about 10⁴ here): inside the
        // donors' hull both optimisers stop a hair above zero.
        let scale: f64 = x1.iter().zip(&v).map(|(x, w)| x * x * w).sum();
        assert!(fit.fit <= theirs + 1e-11 * scale, "{name}: fit {} vs pysyncon {theirs}", fit.fit);
        assert!((fit.fit - theirs).abs() <= 1e-9 * scale, "{name}: fit {} vs pysyncon {theirs}", fit.fit);
        assert!((fit.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12 && fit.weights.iter().all(|w| *w >= 0.0));
        if theirs > 1e-6 {
            // Outside the donors' hull the weights are unique: compare them donor by donor with
            // pysyncon's (SLSQP, within its tolerance) and with the exact optimum on its support.
            for (j, d) in donors.iter().enumerate() {
                let w = case["weights"][*d].as_f64().unwrap();
                assert!((fit.weights[j] - w).abs() < 1e-5, "{name}: {d} {} vs pysyncon {w}", fit.weights[j]);
                let exact = case["weights_exact"][*d].as_f64().unwrap();
                assert!((fit.weights[j] - exact).abs() < 1e-9, "{name}: {d} {} vs exact {exact}", fit.weights[j]);
            }
        }
    }
}

#[test]
fn same_input_same_weights() {
    let x0 = vec![vec![1.0, 3.0, 2.0], vec![4.0, 1.0, 0.5], vec![2.0, 2.0, 2.0], vec![0.0, 5.0, 1.0]];
    let a = synth_weights(&[6.0, 0.0, 3.0], &x0, &[1.0, 2.0, 0.5]);
    let b = synth_weights(&[6.0, 0.0, 3.0], &x0, &[1.0, 2.0, 0.5]);
    assert_eq!(a, b);
}

/// The whole synthetic control on Proposition 99 (predictors `blocks:4,last`) against pysyncon's
/// Synth.fit. With pysyncon's predictor weights fixed, the pre-period loss agrees (same
/// predictors, scaling and W given V); with the search, ours is at least as low as the best of
/// pysyncon's Nelder–Mead starts.
#[test]
fn predictor_weight_search_matches_or_beats_pysyncon() {
    use frikommune::estimate::scm::{Predictor, SyntheticControl, VChoice};
    let path = format!("{}/tests/fixtures/synth_reference.json", env!("CARGO_MANIFEST_DIR"));
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let donors: Vec<&str> = reference["donors"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let csv = std::fs::read_to_string(format!("{}/tests/fixtures/prop99.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut series: std::collections::BTreeMap<String, Vec<(i32, f64)>> = Default::default();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        series.entry(f[0].to_string()).or_default().push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    let row = |state: &str| -> Vec<f64> {
        let mut s = series[state].clone();
        s.sort_by_key(|p| p.0);
        s.iter().map(|p| p.1).collect()
    };
    let y1 = row("California");
    let rows: Vec<Vec<f64>> = donors.iter().map(|d| row(d)).collect();
    let y0: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
    let c0: Vec<&[f64]> = vec![&[]; donors.len()];
    let t0 = 19; // 1970–1988
    let predictors = vec![Predictor::Blocks(4), Predictor::Last];
    // The standardised predictors are pysyncon's.
    let fixed = SyntheticControl { predictors: predictors.clone(), v: VChoice::Search };
    let (_, x1, x0) = fixed.predictor_matrix(&y1, &[], &y0, &c0, t0).unwrap();
    let scaled = &reference["x_scaled"];
    for (r, x) in x1.iter().enumerate() {
        let theirs = scaled["treated"][r].as_f64().unwrap();
        assert!((x - theirs).abs() < 1e-9 * theirs.abs().max(1.0), "treated predictor {r}: {x} vs {theirs}");
    }
    for (j, row) in x0.iter().enumerate() {
        for (r, x) in row.iter().enumerate() {
            let theirs = scaled["donors"][j][r].as_f64().unwrap();
            assert!((x - theirs).abs() < 1e-9 * theirs.abs().max(1.0), "{} predictor {r}: {x} vs {theirs}", donors[j]);
        }
    }
    // With pysyncon's V, our exact W-given-V fit is at least as good as SLSQP's.
    let best = reference["search"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["loss_v"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    for s in reference["search"].as_array().unwrap() {
        let v: Vec<f64> = s["v"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        let fixed = SyntheticControl { predictors: predictors.clone(), v: VChoice::Fixed(v) };
        let fit = fixed.fit(&y1, &[], &y0, &c0, t0).unwrap();
        let theirs = s["w_fit"].as_f64().unwrap();
        assert!(fit.w_fit <= theirs + 1e-12, "V from {}: W-given-V fit {} vs pysyncon {theirs}", s["start"], fit.w_fit);
    }
    let search = SyntheticControl { predictors, v: VChoice::Search };
    let fit = search.fit(&y1, &[], &y0, &c0, t0).unwrap();
    assert!(fit.loss <= best * (1.0 + 1e-6), "searched loss {} vs pysyncon's best {best}", fit.loss);
    assert!((fit.v.iter().sum::<f64>() - 1.0).abs() < 1e-12 && fit.weights.iter().all(|w| *w >= 0.0));
}

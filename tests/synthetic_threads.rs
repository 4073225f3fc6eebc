//! Synthetic-control placebos and SDID placebo standard errors run in parallel; their results do
//! not depend on the number of threads.

use frikommune::estimate::scm::{SyntheticControl, VChoice, default_predictors};
use frikommune::estimate::sdid::{Kind, placebo_se};
use frikommune::rng::Stream;

fn panel(units: usize, periods: usize) -> Vec<Vec<f64>> {
    (0..units)
        .map(|i| {
            let mut s = Stream::new(3, i as u64);
            let level = 50.0 + 5.0 * s.normal();
            (0..periods).map(|t| level + 0.05 * t as f64 + s.normal()).collect()
        })
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

#[test]
fn placebos_and_placebo_se_are_identical_for_1_and_2_threads() {
    let y = panel(30, 40);
    let rows: Vec<&[f64]> = y.iter().map(Vec::as_slice).collect();
    let covariates: Vec<&[f64]> = vec![&[]; rows.len()];
    let sc = SyntheticControl { predictors: default_predictors(), v: VChoice::Search };
    let ratios = |threads| {
        in_pool(threads, || {
            sc.placebos(&rows, &covariates, 30).into_iter().map(|r| r.unwrap().ratio).collect::<Vec<f64>>()
        })
    };
    assert_eq!(ratios(1), ratios(2));
    let se = |threads| in_pool(threads, || placebo_se(&y, 27, 30, Kind::Sdid, 60, 11).unwrap());
    assert_eq!(se(1), se(2));
}

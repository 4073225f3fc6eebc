//! Monte Carlo coverage of the example's intervals: re-simulate the example with many seeds and
//! count how often each interval contains the true effect. Slow; run by hand:
//!
//! ```sh
//! cargo test --release --test coverage -- --ignored --nocapture
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use frikommune::pipeline::{Silent, analyse};
use frikommune::study::Study;

#[test]
#[ignore]
fn coverage_over_seeds() {
    let base = Study::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/study.toml")).unwrap();
    let reps: u64 = std::env::var("COVERAGE_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let mut hits: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut clean_seeds = Vec::new();
    for seed in 1..=reps {
        let mut misses = 0;
        let mut study = base.clone();
        study.simulation.as_mut().unwrap().seed = seed;
        let sim = frikommune::simulate::simulate(&study).unwrap();
        let results = analyse(&study, &sim.panel, &Silent).unwrap();
        for t in &sim.truth.effects {
            let a = results
                .analyses
                .iter()
                .find(|a| a.trial == t.trial && a.component == t.component && a.outcome == t.outcome)
                .unwrap();
            for e in &a.estimates {
                let key = format!("{:48} {:7} {:4} n1={:2}", a.id, e.method.key(), e.inference.name, e.n_treated);
                let h = hits.entry(key).or_default();
                h.1 += 1;
                if e.interval.ci_low <= t.att && t.att <= e.interval.ci_high {
                    h.0 += 1;
                } else {
                    misses += 1;
                }
            }
        }
        if misses == 0 {
            clean_seeds.push(seed);
        }
    }
    println!("seeds whose every interval covers the truth: {} of {reps}: {clean_seeds:?}", clean_seeds.len());
    for (k, (hit, n)) in &hits {
        println!("{k} coverage {:.3} ({hit}/{n})", *hit as f64 / *n as f64);
    }
}

//! Timings of the hot paths, on data that the Python anchors can read too.
//!
//! Run through `benches/compare.sh`, which also times pyfixest on the same files and writes
//! BENCHMARKS.md. Alone: `cargo bench --bench estimators -- OUT_DIR` prints one JSON line per case
//! (median seconds over repeated runs) and writes each case's data to `OUT_DIR/<case>.csv`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use frikommune::estimate::twfe::Twfe;
use frikommune::estimate::{Sample, SampleUnit};
use frikommune::ingest::read_panel;
use frikommune::period::Month;
use frikommune::pipeline::{Silent, analyse};
use frikommune::rng::Stream;
use frikommune::study::Study;

fn median_seconds(reps: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// A panel of `units` × `periods` with staggered treatment of the first tenth of the units;
/// `drop` is the share of cells left out at random (0 = balanced).
fn synthetic_panel(units: usize, periods: usize, seed: u64, drop: f64) -> Sample {
    let m0 = Month::new(2000, 1).expect("valid");
    let units = (0..units)
        .map(|i| {
            let mut s = Stream::new(seed, i as u64);
            let alpha = 10.0 * s.normal();
            let start = (i < units / 10).then(|| m0.plus((periods / 2 + i % 5) as i32));
            let mut obs = Vec::with_capacity(periods);
            for t in 0..periods {
                let m = m0.plus(t as i32);
                let d = if start.is_some_and(|st| m >= st) { 1.0 } else { 0.0 };
                let y = alpha + 0.01 * t as f64 + 1.5 * d + s.normal();
                if drop == 0.0 || s.uniform() >= drop {
                    obs.push((m, y));
                }
            }
            SampleUnit { code: i as u16, start, obs, cluster: None }
        })
        .collect();
    Sample { units }
}

fn write_csv(sample: &Sample, path: &Path) {
    let mut out = String::from("unit,period,y,treat\n");
    for u in &sample.units {
        for (m, y) in &u.obs {
            let d = u.start.is_some_and(|s| *m >= s) as u8;
            let _ = writeln!(out, "{},{},{y:.17},{d}", u.code, m.since(Month::new(2000, 1).expect("valid")));
        }
    }
    std::fs::write(path, out).expect("write bench data");
}

fn main() {
    let out_dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(PathBuf::from);
    let mut results: BTreeMap<&str, (f64, usize)> = BTreeMap::new();

    // The example study: read, design and estimate every trial × outcome.
    let study = Study::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/study.toml")).expect("example study");
    let panel = read_panel(&study).expect("example panel");
    let rows = panel.units.len() * panel.months.len() * panel.series.len();
    results.insert("example_analyse", (median_seconds(20, || drop(analyse(&study, &panel, &Silent))), rows));
    results.insert("example_read_panel", (median_seconds(20, || drop(read_panel(&study))), rows));

    // TWFE with CR1 on synthetic panels of growing size (unit × period fixed effects).
    for (name, units, periods, missing, reps) in [
        ("twfe_98x132", 98, 132, 0.0, 50),
        ("twfe_1000x1000", 1000, 1000, 0.0, 5),
        ("twfe_1000x1000_unbalanced", 1000, 1000, 0.1, 5),
        ("twfe_2000x5000", 2000, 5000, 0.0, 3),
    ] {
        let sample = synthetic_panel(units, periods, 7, missing);
        let last = Month::new(2000, 1).expect("valid").plus(periods as i32);
        let twfe = Twfe { first: Month::new(2000, 1).expect("valid"), last, conf_level: 0.95, ssc: Default::default() };
        let secs = median_seconds(reps, || drop(twfe.fit(&sample).expect("fit")));
        results.insert(name, (secs, sample.units.iter().map(|u| u.obs.len()).sum()));
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir).expect("bench dir");
            write_csv(&sample, &dir.join(format!("{name}.csv")));
        }
    }
    for (name, (secs, rows)) in results {
        println!("{{\"case\": \"{name}\", \"seconds\": {secs:.6}, \"rows\": {rows}}}");
    }
}

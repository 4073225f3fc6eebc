//! Timings of the hot paths, on data that the Python anchors can read too.
//!
//! Run through `benches/compare.sh`, which also times the Python anchors on the same files and
//! writes BENCHMARKS.md. Alone: `cargo bench --bench estimators -- OUT_DIR` prints one JSON line
//! per case (median seconds over repeated runs; `peak_mb`, the process's peak resident memory
//! during the fit, where measured) and writes each case's data to `OUT_DIR/<case>.csv`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use frikommune::design::long::{LongSpec, Treatment, long_sample};
use frikommune::estimate::conformal;
use frikommune::estimate::cs::{CallawaySantAnna, Control};
use frikommune::estimate::event::EventBase;
use frikommune::estimate::event::EventStudy;
use frikommune::estimate::imputation::Imputation;
use frikommune::estimate::scm::{SyntheticControl, VChoice, default_predictors};
use frikommune::estimate::sdid;
use frikommune::estimate::sunab::SunAbraham;
use frikommune::estimate::survival::{EventTable, kaplan_meier, logrank};
use frikommune::estimate::synth::synth_weights;
use frikommune::estimate::twfe::Twfe;
use frikommune::estimate::{Sample, SampleUnit};
use frikommune::inference::cluster::SmallSample;
use frikommune::inference::randomization::Randomization;
use frikommune::inference::wild::{Weights, WildBootstrap};
use frikommune::ingest::polars_io::read_text_table;
use frikommune::ingest::read_panel;
use frikommune::period::Month;
use frikommune::pipeline::{Silent, analyse};
use frikommune::rng::Stream;
use frikommune::settings::{Level, Reps};
use frikommune::study::Study;

fn median_seconds(reps: usize, mut f: impl FnMut()) -> f64 {
    reset_peak();
    f(); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    LAST_PEAK.set(peak_mb());
    t[t.len() / 2]
}

thread_local! {
    /// Peak resident memory of the last `median_seconds` (from its reset to its end), in MB.
    static LAST_PEAK: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// Timings by case, each with the peak memory of the run that timed it.
#[derive(Default)]
struct Recorder {
    times: BTreeMap<&'static str, (f64, usize)>,
    peaks: BTreeMap<&'static str, f64>,
}

impl Recorder {
    /// Records a case timed by `median_seconds` just before, with that run's peak memory.
    fn insert(&mut self, name: &'static str, (secs, rows): (f64, usize)) {
        self.times.insert(name, (secs, rows));
        if let Some(p) = LAST_PEAK.get() {
            self.peaks.insert(name, p);
        }
    }
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
            SampleUnit { code: i as u32, start, obs, cluster: None }
        })
        .collect();
    Sample::monthly(units)
}

fn write_csv(sample: &Sample, path: &Path) {
    let mut out = String::from("unit,period,y,treat\n");
    for (i, u) in sample.units.iter().enumerate() {
        for (m, y) in &u.obs {
            let d = u.start.is_some_and(|s| *m >= s) as u8;
            let _ = writeln!(out, "{i},{},{y:.17},{d}", m.since(Month::new(2000, 1).expect("valid")));
        }
    }
    std::fs::write(path, out).expect("write bench data");
}

/// Resets the kernel's peak-resident-memory mark of this process (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MB (Linux `VmHWM`).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// mpdta from the reference fixtures, read as the estimate command reads it.
fn mpdta() -> Sample {
    mpdta_long().sample
}

/// mpdta with its unit and period labels.
fn mpdta_long() -> frikommune::design::long::LongSample {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mpdta.csv");
    let table = read_text_table(&path, b',').expect("mpdta fixture");
    let spec = LongSpec {
        unit: "countyreal",
        time: "year",
        outcome: "lemp",
        treatment: Treatment::Cohort("first.treat"),
        cluster: None,
    };
    long_sample(&table, "mpdta.csv", &spec).expect("mpdta panel")
}

/// Each mpdta county's log population (constant within the county), by the sample's unit id,
/// as `estimate --covariates lpop` reads it.
fn mpdta_lpop() -> frikommune::estimate::cs::Covariates {
    let long = mpdta_long();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mpdta.csv");
    let table = read_text_table(&path, b',').expect("mpdta fixture");
    let rows = long.unit_covariates(&table, "mpdta.csv", &["lpop".to_string()]).expect("lpop");
    frikommune::estimate::cs::Covariates {
        names: vec!["lpop".into()],
        rows: rows.into_iter().enumerate().map(|(id, r)| (id as u32, r.into_iter().flatten().collect())).collect(),
    }
}

fn main() {
    let out_dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(PathBuf::from);
    // FRIKOMMUNE_BENCH=twfe runs only the cases whose name contains `twfe`.
    let only = std::env::var("FRIKOMMUNE_BENCH").unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    let mut results = Recorder::default();

    // The example study: read, design and estimate every trial × outcome.
    let study = Study::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/study.toml")).expect("example study");
    let panel = read_panel(&study).expect("example panel");
    let rows = panel.units.len() * panel.months.len() * panel.series.len();
    if wanted("example_analyse") {
        results.insert("example_analyse", (median_seconds(20, || drop(analyse(&study, &panel, &Silent))), rows));
    }
    if wanted("example_read_panel") {
        results.insert("example_read_panel", (median_seconds(20, || drop(read_panel(&study))), rows));
    }

    // TWFE with CR1 on synthetic panels of growing size (unit × period fixed effects).
    let m0 = Month::new(2000, 1).expect("valid");
    for (name, units, periods, missing, reps) in [
        ("twfe_98x132", 98, 132, 0.0, 200),
        ("twfe_1000x1000", 1000, 1000, 0.0, 5),
        ("twfe_1000x1000_unbalanced", 1000, 1000, 0.1, 5),
        ("twfe_2000x5000", 2000, 5000, 0.0, 3),
        ("twfe_1000000x10", 1_000_000, 10, 0.0, 3),
    ] {
        if !wanted(name) {
            continue;
        }
        let sample = synthetic_panel(units, periods, 7, missing);
        let last = m0.plus(periods as i32);
        let twfe = Twfe { first: m0, last, conf_level: Level::P95, ssc: Default::default() };
        let secs = median_seconds(reps, || drop(twfe.fit(&sample).expect("fit")));
        results.insert(name, (secs, sample.units.iter().map(|u| u.obs.len()).sum()));
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir).expect("bench dir");
            write_csv(&sample, &dir.join(format!("{name}.csv")));
        }
    }

    // The inference engines at municipal scale.
    let muni = synthetic_panel(98, 132, 11, 0.0);
    let rows = muni.units.iter().map(|u| u.obs.len()).sum();
    let twfe = Twfe { first: m0, last: m0.plus(132), conf_level: Level::P95, ssc: Default::default() };
    let wild = WildBootstrap { reps: Reps::DEFAULT, seed: 1, weights: Weights::Webb, conf_level: Level::P95 };
    if wanted("wcr_webb_9999_98x132") {
        let secs = median_seconds(10, || drop(twfe.fit_wild(&muni, &wild).expect("wcr")));
        results.insert("wcr_webb_9999_98x132", (secs, rows));
    }
    let es = EventStudy {
        first: m0,
        last: m0.plus(132),
        leads: Some(12),
        lags: Some(24),
        conf_level: Level::P95,
        ssc: Default::default(),
        base: Default::default(),
    };
    if wanted("event_98x132") {
        results.insert("event_98x132", (median_seconds(50, || drop(es.fit(&muni).expect("event"))), rows));
    }
    // Rambachan–Roth smoothness of the same event study: the post-period mean's fixed-length
    // intervals at nine M and its breakdown M (and each post period at M = 0).
    if wanted("honest_sd_98x132") {
        let s = es.fit(&muni).expect("event").sensitivity.expect("sensitivity");
        let secs = median_seconds(10, || drop(s.clone().with_smoothness().smoothness.expect("smoothness")));
        results.insert("honest_sd_98x132", (secs, rows));
    }
    if let Some(dir) = &out_dir {
        write_csv(&muni, &dir.join("event_98x132.csv"));
        write_csv(&muni, &dir.join("wcr_webb_9999_98x132.csv"));
    }
    // All C(98, 4) = 3,612,280 assignments, p-value and interval by test inversion.
    let mut s = Stream::new(3, 0);
    let changes: Vec<f64> = (0..98).map(|i| s.normal() + if i < 4 { 1.0 } else { 0.0 }).collect();
    let treated: Vec<bool> = (0..98).map(|i| i < 4).collect();
    let ri = Randomization::default();
    if wanted("ri_exact_4_of_98") {
        results.insert(
            "ri_exact_4_of_98",
            (
                median_seconds(5, || {
                    std::hint::black_box(ri.test(&changes, &treated).expect("ri"));
                }),
                98,
            ),
        );
    }
    // The studentised test `run` uses for one common start: C(98, 4) is more than it
    // enumerates, so 9,999 seeded draws, each reduced to two numbers, then the inversion.
    if wanted("ri_studentised_4_of_98") {
        let variances: Vec<f64> = (0..98).map(|i| 0.5 + (i % 7) as f64 / 7.0).collect();
        results.insert(
            "ri_studentised_4_of_98",
            (
                median_seconds(5, || {
                    std::hint::black_box(ri.test_studentised(&changes, &variances, &treated, None).expect("ri"));
                }),
                98,
            ),
        );
    }
    // Callaway–Sant'Anna on mpdta: ATT(g,t), analytic SEs and the four aggregations.
    let mp = mpdta();
    let cs = CallawaySantAnna {
        control: Control::Never,
        conf_level: Level::P95,
        bootstrap: None,
        unbalanced: Default::default(),
    };
    // Synthetic control weights for one treated unit: 90 donors, 100 pre-period predictors.
    if wanted("synth_w_90x100") {
        let mut s = Stream::new(5, 1);
        let x0: Vec<Vec<f64>> =
            (0..90).map(|_| (0..100).map(|t| 10.0 + 0.05 * t as f64 + s.normal()).collect()).collect();
        let x1: Vec<f64> = (0..100).map(|t| 10.5 + 0.05 * t as f64 + 0.5 * s.normal()).collect();
        let v = vec![1.0; 100];
        results.insert("synth_w_90x100", (median_seconds(20, || drop(synth_weights(&x1, &x0, &v))), 9_100));
        if let Some(dir) = &out_dir {
            let mut text = String::from("unit,t,value\n");
            for (j, d) in x0.iter().chain(std::iter::once(&x1)).enumerate() {
                for (t, x) in d.iter().enumerate() {
                    let _ = writeln!(text, "{j},{t},{x:.17}");
                }
            }
            std::fs::write(dir.join("synth_w_90x100.csv"), text).expect("write bench data");
        }
    }
    // Synthetic control with the predictor-weight search (6 pre-period blocks and the last
    // month), one treated unit against 90 donors over 100 pre- and 32 post-periods; and the full
    // placebo-in-space over a 98-municipality panel (every unit against the other 97).
    if wanted("synth_fit_90x100") || wanted("synth_placebo_98") {
        let sc = SyntheticControl { predictors: default_predictors(), v: VChoice::Search };
        let panel = |units: usize, seed: u64| -> Vec<Vec<f64>> {
            (0..units)
                .map(|i| {
                    let mut s = Stream::new(seed, i as u64);
                    let (level, slope) = (70.0 + 5.0 * s.normal(), 0.02 * s.normal());
                    let mut ar = 0.0;
                    (0..132)
                        .map(|t| {
                            ar = 0.7 * ar + 0.3 * s.normal();
                            level + slope * t as f64 + 0.5 * (t as f64 / 6.0).sin() + ar
                        })
                        .collect()
                })
                .collect()
        };
        if wanted("synth_fit_90x100") {
            let y = panel(91, 21);
            let y0: Vec<&[f64]> = y[1..].iter().map(Vec::as_slice).collect();
            let c0: Vec<&[f64]> = vec![&[]; 90];
            results.insert(
                "synth_fit_90x100",
                (median_seconds(10, || drop(sc.fit(&y[0], &[], &y0, &c0, 100).expect("fit"))), 91 * 132),
            );
            if let Some(dir) = &out_dir {
                let mut text = String::from("unit,t,value\n");
                for (j, row) in y.iter().enumerate() {
                    for (t, x) in row.iter().enumerate() {
                        let _ = writeln!(text, "{j},{t},{x:.17}");
                    }
                }
                std::fs::write(dir.join("synth_fit_90x100.csv"), text).expect("write bench data");
            }
        }
        if wanted("synth_placebo_98") {
            let y = panel(98, 22);
            let y0: Vec<&[f64]> = y.iter().map(Vec::as_slice).collect();
            let c0: Vec<&[f64]> = vec![&[]; 98];
            results.insert("synth_placebo_98", (median_seconds(3, || drop(sc.placebos(&y0, &c0, 100))), 98 * 132));
        }
    }
    // Kaplan–Meier per group and the log-rank test on 10⁶ spells (durations in whole weeks, so
    // heavily tied as register data are; a fifth censored), from raw spells.
    if wanted("km_logrank_1e6") {
        let n = 1_000_000;
        let mut s = Stream::new(31, 0);
        let spells: Vec<(f64, bool, bool)> = (0..n)
            .map(|_| {
                let group = s.uniform() < 0.5;
                let weeks = (-(1.0 - s.uniform()).ln() * if group { 40.0 } else { 44.0 }).ceil().min(400.0);
                (weeks, s.uniform() >= 0.2, group)
            })
            .collect();
        // Columns as a reader delivers them.
        let durations: Vec<f64> = spells.iter().map(|x| x.0).collect();
        let ended: Vec<bool> = spells.iter().map(|x| x.1).collect();
        let groups: Vec<usize> = spells.iter().map(|x| x.2 as usize).collect();
        let fit = || {
            let tables = EventTable::grouped(&durations, &ended, &groups, 2).expect("spells");
            let curves: Vec<_> = tables.iter().map(|t| kaplan_meier(t, Level::P95).expect("km")).collect();
            (curves, logrank(&tables).expect("log-rank"))
        };
        results.insert("km_logrank_1e6", (median_seconds(5, || drop(fit())), n));
        if let Some(dir) = &out_dir {
            let mut text = String::from("duration,event,group\n");
            for (d, e, g) in &spells {
                let _ = writeln!(text, "{d},{},{}", *e as u8, *g as u8);
            }
            std::fs::write(dir.join("km_logrank_1e6.csv"), text).expect("write bench data");
        }
    }
    // Per-period conformal intervals on Proposition 99 (the fixture's panel): 12 post years at
    // 90 %, a 100-point grid each (and the six probes beyond each end), as diff-diff's
    // `conformal_confidence_intervals(alpha=0.1, n_grid=100)`.
    if wanted("conformal_prop99") {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prop99.csv"))
            .expect("prop99 fixture");
        let mut states: BTreeMap<String, (Vec<f64>, bool)> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let e = states.entry(f[0].to_string()).or_default();
            e.0.push(f[2].parse().expect("packs"));
            e.1 |= f[3] == "1";
        }
        let y1 = states.values().find(|s| s.1).expect("California").0.clone();
        let y0: Vec<&[f64]> = states.values().filter(|s| !s.1).map(|s| s.0.as_slice()).collect();
        let settings = conformal::Conformal { alpha: 0.1, grid: 100, refine: 0 };
        let rows = y1.len() * (y0.len() + 1);
        results.insert(
            "conformal_prop99",
            (median_seconds(5, || drop(conformal::per_period(&y1, &y0, 19, &settings))), rows),
        );
    }
    // SDID on Proposition 99 (the fixture's matrix).
    if wanted("sdid_prop99") {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sdid_reference.json"))
                .expect("sdid fixture");
        let r: serde_json::Value = serde_json::from_str(&text).expect("json");
        let y: Vec<Vec<f64>> = r["Y"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row.as_array().expect("row").iter().map(|v| v.as_f64().expect("number")).collect())
            .collect();
        let (n0, t0) = (r["N0"].as_u64().expect("N0") as usize, r["T0"].as_u64().expect("T0") as usize);
        let rows = y.len() * y[0].len();
        results.insert("sdid_prop99", (median_seconds(50, || drop(sdid::fit(&y, n0, t0, sdid::Kind::Sdid))), rows));
    }
    if wanted("cs_mpdta") {
        results.insert("cs_mpdta", (median_seconds(50, || drop(cs.fit(&mp).expect("cs"))), 2500));
    }
    // The same, doubly robust in each county's log population (R DRDID's drdid_panel per cell).
    if wanted("cs_dr_mpdta") {
        let x = mpdta_lpop();
        results.insert("cs_dr_mpdta", (median_seconds(20, || drop(cs.fit_with(&mp, &x).expect("cs dr"))), 2500));
    }
    // Imputation (overall effect and every horizon, both variances) and Sun–Abraham (cohort ×
    // event-time regression, aggregated) on mpdta, against diff-diff 3.13.
    let origin = frikommune::design::long::ORIGIN;
    let (first, last) = (origin, origin.plus(4));
    if wanted("bjs_mpdta") {
        let bjs = Imputation { first, last, conf_level: Level::P95 };
        results.insert("bjs_mpdta", (median_seconds(50, || drop(bjs.fit(&mp).expect("bjs"))), 2500));
    }
    if wanted("sunab_mpdta") {
        let sa =
            SunAbraham { first, last, conf_level: Level::P95, ssc: SmallSample::Fixest, base: EventBase::PeriodBefore };
        results.insert("sunab_mpdta", (median_seconds(50, || drop(sa.fit(&mp).expect("sunab"))), 2500));
    }
    for (name, (secs, rows)) in results.times {
        let peak = results.peaks.get(name).map_or(String::new(), |p| format!(", \"peak_mb\": {p:.0}"));
        println!("{{\"case\": \"{name}\", \"seconds\": {secs:.6}, \"rows\": {rows}{peak}}}");
    }
}

//! The real Statistics Denmark export (RAS200, employment rate by municipality, yearly
//! 2008–2021) as evaluators receive it, read from `../shared/realdata/` when that folder exists
//! (the data are not part of the repository; these tests say plainly when they skip).
//!
//! - The xlsx as downloaded validates and runs with `examples/ras200/study.toml`, whose source
//!   names only `file` and `outcome`.
//! - The long CSV (`municipality,year,empl`) reads with at most
//!   `columns = { period = "year", value = "empl" }` — and with no `columns` at all.
//! - Both give the same panel and the same estimates, and the TWFE with CR1 equals pyfixest's on
//!   the same rows to 1e-9 (`tests/fixtures/ras200_reference.json`, made by
//!   `tests/reference/make_ras200_fixture.py`).

use std::path::{Path, PathBuf};

use frikommune::estimate::conformal::Status;
use frikommune::ingest::{Panel, read_panel};
use frikommune::period::Month;
use frikommune::pipeline::{Silent, analyse};
use frikommune::registry::AreaKind;
use frikommune::study::Study;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder of real exports, or `None` (with a note) when this machine has none.
fn realdata() -> Option<PathBuf> {
    let dir = repo().join("../shared/realdata");
    if dir.join("RAS200.xlsx").exists() && dir.join("RAS200_long.csv").exists() {
        Some(dir.canonicalize().unwrap())
    } else {
        assert!(
            std::env::var_os("FRIKOMMUNE_REQUIRE_REALDATA").is_none(),
            "../shared/realdata/ is required here (FRIKOMMUNE_REQUIRE_REALDATA is set)"
        );
        eprintln!("skipped: ../shared/realdata/RAS200.xlsx not found; the real-export checks need it");
        None
    }
}

/// The committed example study, its `[[data.sources]]` replaced by `data` (TOML).
fn example_with(dir: &Path, data: &str) -> Study {
    let text = std::fs::read_to_string(repo().join("examples/ras200/study.toml")).unwrap();
    let source = "[[data.sources]]\nfile = \"RAS200.xlsx\"\noutcome = \"employment_rate\"\n";
    assert!(text.contains(source), "the example's source names only file and outcome");
    let path = dir.join("study.toml");
    std::fs::write(&path, text.replace(source, data)).unwrap();
    Study::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn xlsx_study(real: &Path, dir: &Path) -> Study {
    let file = real.join("RAS200.xlsx");
    example_with(
        dir,
        &format!("[[data.sources]]\nfile = {:?}\noutcome = \"employment_rate\"\n", file.display().to_string()),
    )
}

fn csv_study(real: &Path, dir: &Path, columns: &str) -> Study {
    let file = real.join("RAS200_long.csv");
    example_with(dir, &format!("[data]\npanel = {:?}\n{columns}\n", file.display().to_string()))
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

fn rate(panel: &Panel, code: u16, year: i32) -> Option<f64> {
    panel.value("employment_rate", panel.unit_index(code)?, month(year, 12))
}

#[test]
fn the_xlsx_export_reads_as_delivered() {
    let Some(real) = realdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let study = xlsx_study(&real, dir.path());
    let panel = read_panel(&study).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(panel.units.len(), 98);
    assert_eq!((panel.months.first, panel.months.last), (month(2008, 1), month(2021, 12)));
    assert_eq!(panel.frequency("employment_rate").name(), "yearly");
    // Values as the sheet holds them (Aalborg's first and last years, Læsø, Copenhagen).
    assert_eq!(rate(&panel, 851, 2008), Some(73.2));
    assert_eq!(rate(&panel, 825, 2008), Some(73.1));
    assert_eq!(rate(&panel, 825, 2009), Some(67.0));
    assert!(rate(&panel, 101, 2021).is_some());
    // Every municipality has all 14 years.
    for (u, &code) in panel.units.iter().enumerate() {
        let years = (2008..=2021).filter(|&y| panel.value("employment_rate", u, month(y, 12)).is_some()).count();
        assert_eq!(years, 14, "municipality {code}");
    }
    // The export's other areas are left out with one note per kind.
    let kinds: Vec<(AreaKind, usize)> = panel.left_out.iter().map(|n| (n.kind, n.names.len())).collect();
    assert_eq!(
        kinds,
        [(AreaKind::Country, 1), (AreaKind::Region, 5), (AreaKind::Province, 11), (AreaKind::Christianso, 1)]
    );
}

#[test]
fn the_long_csv_reads_with_at_most_the_period_and_value_named() {
    let Some(real) = realdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let xlsx = read_panel(&xlsx_study(&real, dir.path())).unwrap();
    for columns in ["columns = { period = \"year\", value = \"empl\" }", "columns = { value = \"empl\" }", ""] {
        let panel = read_panel(&csv_study(&real, dir.path(), columns)).unwrap_or_else(|e| panic!("{columns}: {e}"));
        assert_eq!(panel.units, xlsx.units, "{columns}");
        assert_eq!(panel.months, xlsx.months, "{columns}");
        let (a, b) = (&panel.series["employment_rate"].values, &xlsx.series["employment_rate"].values);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(x == y || (x.is_nan() && y.is_nan()), "{columns}: {x} vs {y}");
        }
        let kinds: Vec<AreaKind> = panel.left_out.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [AreaKind::Christianso], "{columns}");
    }
}

#[test]
fn both_exports_give_the_same_estimates_and_pyfixest_s_twfe() {
    let Some(real) = realdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = |study: &Study| {
        let panel = read_panel(study).unwrap();
        analyse(study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"))
    };
    let from_xlsx = run(&xlsx_study(&real, dir.path()));
    let from_csv = run(&csv_study(&real, dir.path(), "columns = { period = \"year\", value = \"empl\" }"));
    assert_eq!(from_xlsx.analyses.len(), 1);
    assert_eq!(from_xlsx.pending.len(), 1, "the 2023 velfærdsaftale starts after the data end");
    let (a, b) = (&from_xlsx.analyses[0].estimates, &from_csv.analyses[0].estimates);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((x.method, &x.inference.name), (y.method, &y.inference.name));
        assert!((x.interval.estimate - y.interval.estimate).abs() < 1e-12, "{:?}", x.method);
        assert!((x.interval.ci_low - y.interval.ci_low).abs() < 1e-12, "{:?}", x.method);
    }
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/fixtures/ras200_reference.json")).unwrap())
            .unwrap();
    let twfe = a
        .iter()
        .find(|e| e.method == frikommune::estimate::Method::Twfe && e.inference.name == "CR1")
        .expect("TWFE with CR1");
    let (estimate, se) = (reference["estimate"].as_f64().unwrap(), reference["se"].as_f64().unwrap());
    assert!((twfe.interval.estimate - estimate).abs() < 1e-9, "{} vs pyfixest {estimate}", twfe.interval.estimate);
    assert!((twfe.interval.se - se).abs() < 1e-9, "{} vs pyfixest {se}", twfe.interval.se);
    assert_eq!(twfe.n_obs as u64, reference["n_obs"].as_u64().unwrap());
}

/// The verdicts on the real North Jutland network hold what the data support: all 11
/// participants are Region Nordjylland, so no finding may be causal or a plain "Bedre"; and a
/// synthetic control on three pre-years carries its caveats and publishes no interval of no
/// width.
#[test]
fn north_jutland_verdicts_say_no_more_than_the_data_support() {
    use frikommune::findings::{Caveat, wording};
    use frikommune::study::Lang;
    let Some(real) = realdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let study = xlsx_study(&real, dir.path());
    let panel = read_panel(&study).unwrap();
    let r = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let f = r.findings.iter().find(|f| f.trial == "nordjylland").expect("a finding");
    assert!(f.caveats.iter().any(|c| matches!(c, Caveat::Confounded { .. })), "{:?}", f.caveats);
    assert!(!f.causal);
    assert_ne!(wording::verdict_badge(f, Lang::Da), "Bedre");
    assert!(!wording::sentence(&r, f, Lang::Da).contains("Forsøget øgede"));

    // The same trial by synthetic control on 2013–2015 only.
    let path = dir.path().join("study.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let synth =
        text.replacen("pre_months = 96", "pre_months = 36", 1).replacen("design = \"all\"", "design = \"synth\"", 1);
    std::fs::write(&path, synth).unwrap();
    let study = Study::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let r = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let f = r.findings.iter().find(|f| f.trial == "nordjylland").expect("a finding");
    assert!(f.caveats.iter().any(|c| matches!(c, Caveat::FewPrePeriods { pre_periods: 3, .. })), "{:?}", f.caveats);
    assert!(!f.causal);
    assert_ne!(wording::verdict_badge(f, Lang::Da), "Bedre");
    // The deciding interval has width (tables print "–" for any estimate's interval without).
    assert!(!frikommune::findings::zero_width(f.ci_low, f.ci_high, f.estimate), "{f:?}");
}

/// On the real yearly panel (eight pre-years, five post-years, 90 %), every per-period conformal
/// interval is the whole line (the smallest p-value is 1/9), but the constant effect's conformal
/// interval is bounded for the pooled mean and for every one of the 11 participants, and for the
/// smallest municipalities it is far narrower than the placebo-rank interval, which 90 donors'
/// placebos cannot bound tightly.
#[test]
fn north_jutland_synthetic_controls_get_bounded_conformal_intervals() {
    let Some(real) = realdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    xlsx_study(&real, dir.path());
    let path = dir.path().join("study.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let synth = text.replacen("conf_level = 0.95", "conf_level = 0.90\nsynth_conformal = true", 1).replacen(
        "design = \"all\"",
        "design = \"synth\"",
        1,
    );
    std::fs::write(&path, synth).unwrap();
    let study = Study::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let panel = read_panel(&study).unwrap();
    let r = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let a = r.analyses.iter().find(|a| a.trial == "nordjylland").expect("the analysis");
    let s = a.synth.as_ref().expect("a synthetic control");
    assert_eq!(s.units.len(), 11);
    assert!(!s.conformal.is_empty() && s.conformal.iter().all(|c| c.status == Status::Unbounded));
    for u in std::iter::once(&s.pooled).chain(&s.units) {
        let c = u.conformal.as_ref().expect("a conformal interval");
        assert_eq!((c.status, c.permutations, c.post_periods), (Status::Bounded, 13, 5), "{}", u.name);
        assert!(c.ci_low < c.estimate && c.estimate < c.ci_high, "{}: {c:?}", u.name);
    }
    let laeso = s.units.iter().find(|u| u.name == "Læsø").expect("Læsø");
    let c = laeso.conformal.as_ref().unwrap();
    let placebo = laeso.ci_high.unwrap() - laeso.ci_low.unwrap();
    assert!(c.ci_high - c.ci_low < placebo / 4.0, "{c:?} against a placebo-rank width {placebo}");
}

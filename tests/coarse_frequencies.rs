//! Quarterly, half-yearly and yearly outcomes.
//!
//! A coarse outcome keeps the monthly calendar: each value is filed under the last month of its
//! period, starts move to the first month of theirs, and event time is counted in periods
//! (`Sample::step`). The estimators are checked against the published references on monthly
//! data, so the first test shows that on a coarse panel they give exactly what they give on the
//! same values with one index step per period. The second runs a whole study whose outcomes
//! come as Statbank quarters and years.

use std::path::Path;
use std::process::Command;

use frikommune::estimate::cs::{CallawaySantAnna, Control};
use frikommune::estimate::did2x2::Did2x2;
use frikommune::estimate::event::EventStudy;
use frikommune::estimate::twfe::Twfe;
use frikommune::estimate::{Sample, SampleUnit};
use frikommune::inference::cluster::SmallSample;
use frikommune::period::Month;

const UNITS: usize = 14;
const QUARTERS: i32 = 16;

/// Unit i in quarter q: a unit level, a common quarterly pattern, a slope, noise and, from the
/// start on, an effect that grows by quarter. Units 0–2 start in quarter 8, units 3–4 in 10.
fn value(i: usize, q: i32) -> f64 {
    let noise = ((i * 31 + q as usize * 17) as f64 * 0.7).sin();
    let effect = start_of(i).map_or(0.0, |s| if q >= s { 1.0 + 0.5 * (q - s) as f64 } else { 0.0 });
    10.0 + i as f64 + [0.0, 1.5, -0.5, 2.0][q as usize % 4] + 0.2 * q as f64 + noise + effect
}

fn start_of(i: usize) -> Option<i32> {
    match i {
        0..=2 => Some(8),
        3..=4 => Some(10),
        _ => None,
    }
}

/// The panel twice: in calendar months from January 2015 (values under each quarter's last
/// month, starts on its first) and on a quarter index (one month per quarter).
fn samples() -> (Sample, Sample) {
    let jan = Month::january(2015);
    let quarter_first = |q: i32| jan.plus(3 * q);
    let calendar = (0..UNITS)
        .map(|i| SampleUnit {
            code: i as u32,
            start: start_of(i).map(quarter_first),
            obs: (0..QUARTERS).map(|q| (quarter_first(q).plus(2), value(i, q))).collect(),
            cluster: None,
        })
        .collect();
    let index = (0..UNITS)
        .map(|i| SampleUnit {
            code: i as u32,
            start: start_of(i).map(|s| jan.plus(s)),
            obs: (0..QUARTERS).map(|q| (jan.plus(q), value(i, q))).collect(),
            cluster: None,
        })
        .collect();
    (Sample { units: calendar, step: 3 }, Sample::monthly(index))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs()), "{what}: {a} ≠ {b}");
}

#[test]
fn a_quarterly_panel_estimates_exactly_as_its_quarter_index() {
    let (calendar, index) = samples();
    let jan = Month::january(2015);
    let (last_cal, last_idx) = (jan.plus(3 * QUARTERS - 1), jan.plus(QUARTERS - 1));
    let ssc = SmallSample::Fixest;

    // Event study: leads and lags in quarters on both.
    let es = |first, last| EventStudy {
        first,
        last,
        leads: Some(4),
        lags: Some(3),
        conf_level: frikommune::settings::Level::P95,
        ssc,
        base: Default::default(),
    };
    let a = es(jan, last_cal).fit(&calendar).unwrap();
    let b = es(jan, last_idx).fit(&index).unwrap();
    assert_eq!(a.rows.len(), b.rows.len());
    let times: Vec<i32> = a.rows.iter().map(|r| r.rel_time).collect();
    assert_eq!(times, vec![-4, -3, -2, -1, 0, 1, 2, 3], "event time is counted in quarters");
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert_eq!((x.rel_time, x.binned, x.reference), (y.rel_time, y.binned, y.reference));
        if !x.reference {
            close(x.interval.estimate, y.interval.estimate, "event coefficient");
            close(x.interval.se, y.interval.se, "event standard error");
        }
    }
    close(a.estimate.interval.estimate, b.estimate.interval.estimate, "event mean");
    close(a.pretrend.unwrap().stat, b.pretrend.unwrap().stat, "pre-trend test");
    // The dynamic effect it was built with: 1 + 0.5·e in quarter e after the start.
    close(a.rows[4].interval.estimate.round(), 1.0, "effect in the first quarter");

    // Two-way fixed effects.
    let tw = |first, last| Twfe { first, last, conf_level: frikommune::settings::Level::P95, ssc };
    let (x, y) = (tw(jan, last_cal).fit(&calendar).unwrap(), tw(jan, last_idx).fit(&index).unwrap());
    close(x.interval.estimate, y.interval.estimate, "twfe");
    close(x.interval.se, y.interval.se, "twfe standard error");

    // 2×2 on window means: 12 months before = 4 quarters, and its placebo (half of it back).
    let did =
        |pre_months, post_last| Did2x2 { pre_months, post_last, conf_level: frikommune::settings::Level::P95, ssc };
    let (dc, di) = (did(12, last_cal), did(4, last_idx));
    close(dc.fit(&calendar).unwrap().interval.estimate, di.fit(&index).unwrap().interval.estimate, "2×2");
    let (pc, sc) = dc.placebo(&calendar).unwrap();
    let (pi, si) = di.placebo(&index).unwrap();
    assert_eq!((pc.pre_months, pi.pre_months), (6, 2), "the placebo moves starts by whole quarters");
    close(pc.fit(&sc).unwrap().interval.estimate, pi.fit(&si).unwrap().interval.estimate, "placebo 2×2");

    // Callaway–Sant'Anna: ATT(g,t), and the dynamic aggregation by quarters since the start.
    for control in [Control::Never, Control::NotYet] {
        let cs = CallawaySantAnna {
            control,
            conf_level: frikommune::settings::Level::P95,
            bootstrap: None,
            unbalanced: Default::default(),
        };
        let (x, y) = (cs.fit(&calendar).unwrap(), cs.fit(&index).unwrap());
        assert_eq!(x.cells.len(), y.cells.len());
        for (c, d) in x.cells.iter().zip(&y.cells) {
            assert_eq!(c.post, d.post);
            close(c.interval.estimate, d.interval.estimate, "ATT(g,t)");
            close(c.interval.se, d.interval.se, "ATT(g,t) standard error");
        }
        let labels = |f: &frikommune::estimate::cs::CsFit| f.dynamic.rows.iter().map(|r| r.label).collect::<Vec<_>>();
        assert_eq!(labels(&x), labels(&y), "event time in quarters");
        for (r, s) in x.dynamic.rows.iter().zip(&y.dynamic.rows) {
            close(r.interval.estimate, s.interval.estimate, "dynamic ATT");
        }
        close(x.simple.estimate, y.simple.estimate, "simple ATT");
    }
}

const STUDY: &str = r#"
[study]
name = "kvartaler"
title = "Kvartals- og årstal fra Statbank"
synthetic = true

[covid]
handling = "exclude"
windows = [{ start = "2020-03-12", end = "2020-05-26", label = "COVID-19" }]

[[data.sources]]
file = "kvartal.csv"
outcome = "count"

[[data.sources]]
file = "aar.csv"
outcome = "rate"

[[outcomes]]
key = "count"
label = "Personer i forløb"
label_en = "Persons in a programme"
unit = "count"
better = "lower"

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
label_en = "Employment rate"
unit = "percent"
better = "higher"

[[trials]]
key = "t"
name = "Forsøg"
end = "2021-12-31"
pre_months = 24

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2020-02-01"
  participants = ["Aalborg", "Brønderslev", "Hjørring"]
  outcomes = ["count", "rate"]
"#;

/// Statbank layout, Danish: `OMRÅDE;TID;INDHOLD` with decimal commas; a quarterly count that
/// drops by 40 in the participants from 2020K1 (the quarter their February start falls in), and
/// a yearly rate that rises by 2 from 2020.
fn write_study(dir: &Path) {
    let registry = frikommune::registry::Registry::embedded();
    let mut quarters = String::from("OMRÅDE;TID;INDHOLD\n");
    let mut years = String::from("OMRÅDE;TID;INDHOLD\n");
    for (i, m) in registry.all().iter().enumerate() {
        let treated = ["Aalborg", "Brønderslev", "Hjørring"].contains(&m.name.as_str());
        for y in 2016..=2021 {
            for k in 1..=4 {
                let wave = ((i * 7 + k * 3 + y as usize) as f64).sin();
                let drop = if treated && y >= 2020 { 40.0 } else { 0.0 };
                let v = 500.0 + 3.0 * i as f64 + 10.0 * k as f64 - 2.0 * (y - 2016) as f64 + wave - drop;
                quarters.push_str(&format!("{};{y}K{k};{}\n", m.name, format!("{v:.1}").replace('.', ",")));
            }
            let rise = if treated && y >= 2020 { 2.0 } else { 0.0 };
            let v = 70.0 + 0.05 * i as f64 + 0.3 * (y - 2016) as f64 + 0.2 * ((i + y as usize) as f64).cos() + rise;
            years.push_str(&format!("{};{y};{}\n", m.name, format!("{v:.2}").replace('.', ",")));
        }
    }
    std::fs::write(dir.join("kvartal.csv"), quarters).unwrap();
    std::fs::write(dir.join("aar.csv"), years).unwrap();
    std::fs::write(dir.join("study.toml"), STUDY).unwrap();
}

#[test]
fn a_study_of_quarterly_and_yearly_statbank_tables_runs_in_their_periods() {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet", "--lang", "da,en"])
        .arg(dir.path().join("study.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out/kvartaler");
    let json = std::fs::read_to_string(out.join("results.json")).unwrap();
    let r: frikommune::results::Results = serde_json::from_str(&json).unwrap();
    use frikommune::ingest::periods::Frequency;

    for (outcome, frequency, shift, step) in
        [("count", Frequency::Quarter, -40.0, 3), ("rate", Frequency::Year, 2.0, 12)]
    {
        let a = r.analyses.iter().find(|a| a.outcome == outcome).unwrap();
        assert_eq!(a.design.frequency, frequency, "{outcome}");
        assert_eq!(r.outcomes.iter().find(|o| o.key == outcome).unwrap().frequency, frequency);
        // The February start counts from the first month of its period.
        let start = a.design.treated[0].start;
        assert_eq!(start, Month::january(2020), "{outcome}");
        // 24 months before: 8 quarters or 2 years, from January 2018.
        assert_eq!(a.design.pre.first, Month::january(2018), "{outcome}");
        // The trend has one point per period, under the period's last month.
        assert!(a.trend.iter().all(|p| p.period.month() % step == 0), "{outcome}");
        assert_eq!(a.trend.len(), 6 * 12 / step as usize, "{outcome}");
        // Every estimator finds the shift.
        for e in &a.estimates {
            assert!(
                (e.interval.estimate - shift).abs() < 0.2 * shift.abs(),
                "{outcome} {}: {}",
                e.method.key(),
                e.interval.estimate
            );
        }
        // The COVID window (12 March – 26 May 2020) touches 2020K1 and 2020K2, and the year
        // 2020: each is left out whole.
        let dropped = &a.design.dropped_months;
        assert_eq!(dropped.len(), if step == 3 { 6 } else { 12 }, "{outcome}");
        assert_eq!(dropped.first(), Some(&Month::january(2020)), "{outcome}");
        // Event time in periods: 0 is the first treated period; the study's 12 months of leads
        // are 4 quarters, and at least 2 periods for years. The left-out periods have none.
        let es = a.event_study.as_ref().unwrap();
        let times: Vec<i32> = es.rows.iter().map(|r| r.rel_time).collect();
        let expected: Vec<i32> = if step == 3 { [-4, -3, -2, -1, 2, 3, 4, 5, 6, 7].into() } else { vec![-2, -1, 1] };
        assert_eq!(times, expected, "{outcome}");
    }
    // Each table's latest period is provisional: the last quarter of the count, the last year
    // of the rate, each in its own findings only.
    for (outcome, months) in [("count", 3), ("rate", 12)] {
        let f = r.findings.iter().find(|f| f.outcome == outcome).unwrap();
        let provisional = f.caveats.iter().find_map(|c| match c {
            frikommune::findings::Caveat::Provisional { months, .. } => Some(*months),
            _ => None,
        });
        assert_eq!(provisional, Some(months), "{outcome}");
    }
    // The words follow the period: a count is per quarter, the event chart counts quarters.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("pr. kommune pr. kvartal"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Udfald målt pr. kvartal") && html.contains("Udfald målt pr. år"));
    let event_svg = r.analyses.iter().find(|a| a.outcome == "count").unwrap().event_chart.as_ref().unwrap().svg.clone();
    let svg = std::fs::read_to_string(out.join(&event_svg)).unwrap();
    assert!(svg.contains("Kvartaler fra forsøgsstart"), "{event_svg}");
    let md_en = std::fs::read_to_string(out.join("en/report.md")).unwrap();
    assert!(md_en.contains("per municipality per quarter"), "{md_en}");
    let html_alt = |name: &str| r.analyses.iter().find(|a| a.outcome == name).unwrap().event_chart.clone();
    let alt = html_alt("count").map(|c| c.alt).unwrap_or_default();
    assert!(alt.contains("kvartaler før") || alt.contains("quarters before"), "{alt}");
}

/// The canonical long panel: `period` is the period's first day and `frequency` its length; the
/// gap check counts quarters.
#[test]
fn the_canonical_panel_gives_frequency_beside_the_period_start() {
    let dir = tempfile::tempdir().unwrap();
    let study = r#"
[study]
name = "lang"
title = "Kanonisk panel"

[data]
panel = "panel.csv"
layout = "long"

[[outcomes]]
key = "count"
label = "Antal"
unit = "count"
better = "lower"

[[trials]]
key = "t"
name = "Forsøg"
end = "2020-12-31"
pre_months = 12

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2020-01-01"
  participants = ["Aalborg"]
  outcomes = ["count"]
"#;
    let mut panel = String::from("municipality,period,frequency,outcome,value\n");
    for code in ["851", "101", "147"] {
        for (y, m) in [(2019, 1), (2019, 4), (2019, 7), (2019, 10), (2020, 1)] {
            panel.push_str(&format!("{code},{y}-{m:02}-01,quarter,count,{}\n", 100 + m));
        }
    }
    std::fs::write(dir.path().join("study.toml"), study).unwrap();
    std::fs::write(dir.path().join("panel.csv"), &panel).unwrap();
    let s = frikommune::study::Study::load(&dir.path().join("study.toml")).unwrap();
    let p = frikommune::ingest::read_panel(&s).unwrap();
    use frikommune::ingest::periods::Frequency;
    assert_eq!(p.frequency("count"), Frequency::Quarter);
    assert_eq!(p.months.first, Month::january(2019));
    let u = p.unit_index(851).unwrap();
    assert_eq!(p.value("count", u, Month::january(2019).plus(2)), Some(101.0), "2019K1 under March");
    assert_eq!(p.value("count", u, Month::january(2019)), None, "nothing under January");
    assert_eq!(p.observation_months("count").len(), 5);

    // A missing quarter is a gap of one quarter, named by its code.
    std::fs::write(dir.path().join("panel.csv"), panel.replace("851,2019-07-01,quarter,count,107\n", "")).unwrap();
    let err = frikommune::ingest::read_panel(&s).unwrap_err().to_string();
    assert!(err.contains("a row for every quarter from 2019K1 to 2020K1 for municipality 851"), "{err}");
    assert!(err.contains("found `2019K3`"), "{err}");
}

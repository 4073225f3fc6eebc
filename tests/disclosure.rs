//! No suppressed value can be had back from what is published beside it.
//!
//! An attacker here knows everything the results publish about one analysis: the comparison
//! trend, every shown treated mean, every shown event-study coefficient and Callaway–Sant'Anna
//! ATT(g,t) (each the difference of two treated means once the comparison is subtracted), and
//! the averages of the treated means over the pre-period and over the evaluation window (the
//! balance table's level, the DiD). From these they solve for whatever they can; no treated mean
//! that was hidden may be among it. Random small designs (a few participants, some behind
//! 1–4 persons in some months) are published and attacked, and so is the case that started it:
//! Læsø alone, 0–2 completed job clarification courses a month.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use frikommune::estimate::event::EventBase;
use frikommune::period::Month;
use frikommune::results::{Analysis, Results};

/// The treated means an attacker can solve for.
fn recovered(a: &Analysis) -> BTreeSet<Month> {
    let mut known: BTreeSet<Month> = a.trend.iter().filter(|p| p.treated.is_some()).map(|p| p.period).collect();
    let step = a.design.frequency.step().unwrap_or(1) as i32;
    // Differences T(m) − T(base) from shown coefficients (one common start: the event study's
    // unbinned rows; every start: the ATT(g,t) cells).
    let mut pairs: Vec<(Month, Month)> = Vec::new();
    let starts: BTreeSet<Month> = a.design.treated.iter().map(|t| t.start).collect();
    if let (Some(es), true) = (&a.event_study, starts.len() == 1) {
        let s = *starts.first().unwrap();
        // The base: the period before the start, or the mean of the pre-period treated means,
        // an unknown of its own (a month no panel has), known once one of them is.
        let base = match es.base {
            EventBase::PeriodBefore => s.plus(-step),
            EventBase::PreMean => Month::new(1800, 1).unwrap(),
        };
        for r in es.rows.iter().filter(|r| !r.suppressed && !r.reference && !r.binned) {
            pairs.push((s.plus(r.rel_time * step), base));
        }
    }
    // An imputation horizon: the treated mean h periods after the start less a base fitted on
    // the pre-period (the unit effects), which the attacker knows once the pre-window is known.
    let imputation_base = Month::new(1801, 1).unwrap();
    if starts.len() == 1 {
        let s = *starts.first().unwrap();
        for h in a.imputation.iter().filter(|h| !h.suppressed) {
            pairs.push((s.plus(h.rel_time * step), imputation_base));
        }
    }
    if let Some(cs) = &a.cs {
        for c in cs.cells.iter().filter(|c| !c.suppressed) {
            let base = if c.time >= c.group { c.group.plus(-step) } else { c.time.plus(-step) };
            pairs.push((c.time, base));
        }
    }
    let windows: Vec<Vec<Month>> = [a.design.pre, a.design.post]
        .iter()
        .map(|w| a.trend.iter().map(|p| p.period).filter(|&m| w.contains(m)).collect())
        .collect();
    loop {
        let before = known.len();
        for &(m, base) in &pairs {
            if known.contains(&base) {
                known.insert(m);
            }
            if known.contains(&m) {
                known.insert(base);
            }
        }
        for w in &windows {
            let unknown: Vec<&Month> = w.iter().filter(|m| !known.contains(m)).collect();
            if unknown.len() == 1 {
                known.insert(*unknown[0]);
            }
        }
        if windows[0].iter().all(|m| known.contains(m)) {
            known.insert(imputation_base);
        }
        if known.len() == before {
            return known;
        }
    }
}

/// A synthetic control's hidden per-municipality values the attacker recovers: each series'
/// estimate and RMSPE give its sums over the pre-period and the evaluation window, and the
/// pooled series is the mean of the municipalities' series.
fn synth_leaks(a: &Analysis) -> Vec<String> {
    let Some(synth) = &a.synth else { return Vec::new() };
    let n = synth.periods.len();
    let mut series: Vec<(Month, Vec<bool>)> = std::iter::once(&synth.pooled)
        .chain(&synth.units)
        .map(|u| (u.start, u.treated.iter().map(Option::is_some).collect()))
        .collect();
    let hidden: Vec<Vec<bool>> = series.iter().map(|(_, known)| known.iter().map(|k| !k).collect()).collect();
    loop {
        let mut changed = false;
        for (start, known) in &mut series {
            for post in [false, true] {
                let unknown: Vec<usize> =
                    (0..n).filter(|&k| (synth.periods[k] >= *start) == post && !known[k]).collect();
                if unknown.len() == 1 {
                    known[unknown[0]] = true;
                    changed = true;
                }
            }
        }
        for k in 0..n {
            let unknown: Vec<usize> = (0..series.len()).filter(|&i| !series[i].1[k]).collect();
            if unknown.len() == 1 {
                series[unknown[0]].1[k] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut found = Vec::new();
    for (i, (_, known)) in series.iter().enumerate() {
        for k in 0..n {
            if hidden[i][k] && known[k] {
                found.push(format!("{} synth series {i} {}", a.id, synth.periods[k]));
            }
        }
    }
    found
}

/// Hidden treated means the attacker recovers.
fn leaks(results: &Results) -> Vec<String> {
    let mut found = Vec::new();
    for a in &results.analyses {
        let got = recovered(a);
        for p in a.trend.iter().filter(|p| p.treated_suppressed && got.contains(&p.period)) {
            found.push(format!("{} {}", a.id, p.period));
        }
        found.extend(synth_leaks(a));
    }
    found
}

fn study_toml(
    panel: &str,
    participants: &[String],
    start: &str,
    outcome: &str,
    persons: Option<&str>,
    design: &str,
    event_base: EventBase,
) -> String {
    let list = participants.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
    // `all+later:NAME=DATE`: the design `all`, with NAME starting later (staggered starts).
    let (design, later) = match design.split_once("+later:") {
        Some((d, rest)) => {
            let (name, date) = rest.split_once('=').expect("NAME=DATE");
            (d, format!("  starts = {{ \"{name}\" = \"{date}\" }}\n"))
        }
        None => (design, String::new()),
    };
    let n_column = persons.map(|c| format!("n_column = \"{c}\"\n")).unwrap_or_default();
    let event_base = event_base.key();
    format!(
        r#"
[study]
name = "lille"
title = "Lille"
synthetic = true

[confidentiality]
min_cell = 5

[data]
panel = "{panel}"
layout = "wide"

[inference]
reps = 99
band_reps = 99
event_base = "{event_base}"

[[outcomes]]
key = "{outcome}"
label = "Udfald"
unit = "weeks"
better = "lower"
{n_column}
[[trials]]
key = "t"
name = "Forsøg"
end = "2021-12-31"
pre_months = 24

  [trials.comparison]
  design = "{design}"

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "{start}"
  participants = [{list}]
{later}  outcomes = ["{outcome}"]
"#
    )
}

fn analyse(dir: &Path) -> Results {
    let study = frikommune::study::Study::load(&dir.join("study.toml")).unwrap();
    let panel = frikommune::ingest::read_panel(&study).unwrap();
    let results = frikommune::pipeline::analyse(&study, &panel, &frikommune::pipeline::Silent).unwrap();
    frikommune::report::for_languages(results, &[frikommune::study::Lang::Da]).unwrap()
}

/// Random designs: 30 municipalities over 2017–2021, 1–3 participants starting in 2019 or 2020
/// (in some designs the second later), each participant behind 1–4 persons in a random share of
/// its months; every other design a synthetic control (a series per participant).
#[test]
fn random_small_designs_give_nothing_back() {
    let registry = frikommune::registry::Registry::embedded();
    let units: Vec<_> = registry.all().iter().take(30).collect();
    let (mut total_hidden, mut leaky_without, mut staggered) = (0, 0, 0);
    for case in 0..10u64 {
        let mut rng = frikommune::rng::Stream::new(2026, case);
        let k = 1 + (rng.uniform() * 3.0) as usize;
        let participants: Vec<String> = (0..k).map(|i| units[i * 7 + case as usize % 5].name.clone()).collect();
        let start = if rng.uniform() < 0.5 { "2019-07-01" } else { "2020-01-01" };
        let design = match case % 4 {
            1 | 3 => "synth".to_string(),
            2 if k >= 2 => format!("all+later:{}=2020-10-01", participants[1]),
            _ => "all".to_string(),
        };
        let design = design.as_str();
        // The last half measure the event study from the pre-period mean.
        let event_base = if case >= 5 { EventBase::PreMean } else { EventBase::PeriodBefore };
        let mut persons = std::collections::HashMap::new();
        let small_share = 0.05 + 0.5 * rng.uniform();
        let mut csv = String::from("municipality,period,y,n\n");
        for m in &units {
            let treated = participants.contains(&m.name);
            for year in 2017..=2021 {
                for month in 1..=12 {
                    let y = 20.0 + rng.normal() + if treated { 1.0 } else { 0.0 };
                    let n = if treated && rng.uniform() < small_share { 1 + (rng.uniform() * 4.0) as u64 } else { 40 };
                    persons.insert((m.code, Month::new(year, month).unwrap()), n);
                    writeln!(csv, "{},{year}-{month:02}-01,{y:.3},{n}", m.code).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("panel.csv"), csv).unwrap();
        std::fs::write(
            dir.path().join("study.toml"),
            study_toml("panel.csv", &participants, start, "y", Some("n"), design, event_base),
        )
        .unwrap();
        let results = analyse(dir.path());
        let a = &results.analyses[0];
        total_hidden += a.trend.iter().filter(|p| p.treated_suppressed).count();
        assert!(a.event_study.is_some() && a.cs.is_some(), "case {case}: {:?}", a.problems);
        assert_eq!(leaks(&results), Vec::<String>::new(), "case {case}: {participants:?} from {start}, {design}");
        assert_eq!(a.synth.is_some(), design == "synth", "case {case}: {:?}", a.problems);
        // The attacker's tools are real: without the protection, results like these leak (the
        // count over all designs is checked below).
        // Every shown coefficient rests on at least min_cell persons in each period it compares,
        // each participant counted from its own start (cohort by cohort for ATT(g,t)).
        let behind = |units: &mut dyn Iterator<Item = &frikommune::design::TreatedUnit>,
                      at: &dyn Fn(Month) -> Month| {
            units.map(|t| persons.get(&(t.code, at(t.start))).copied().unwrap_or(0)).sum::<u64>()
        };
        if let Some(es) = &a.event_study {
            assert_eq!(es.base, event_base);
            // The base's persons: the period before the start, or each pre-period event time.
            let base_times: Vec<i32> = match es.base {
                EventBase::PeriodBefore => vec![-1],
                EventBase::PreMean => {
                    es.rows.iter().filter(|r| r.rel_time <= -1 && !r.binned).map(|r| r.rel_time).collect()
                }
            };
            let reference =
                base_times.iter().map(|&b| behind(&mut a.design.treated.iter(), &|s| s.plus(b))).min().unwrap_or(0);
            for r in es.rows.iter().filter(|r| !r.suppressed && !r.reference && !r.binned) {
                let own = behind(&mut a.design.treated.iter(), &|s| s.plus(r.rel_time));
                assert!(own >= 5 && reference >= 5, "case {case}: event time {} behind {own}/{reference}", r.rel_time);
            }
        }
        assert!(!a.imputation.is_empty(), "case {case}: {:?}", a.problems);
        for h in a.imputation.iter().filter(|h| !h.suppressed) {
            let own = behind(&mut a.design.treated.iter(), &|s| s.plus(h.rel_time));
            assert!(own >= 5, "case {case}: imputation horizon {} behind {own}", h.rel_time);
            assert!(h.reference.estimate.is_finite());
        }
        for h in a.imputation.iter().filter(|h| h.suppressed) {
            assert!(
                h.interval.estimate.is_nan() && h.reference.estimate.is_nan(),
                "case {case}: horizon {}",
                h.rel_time
            );
        }
        if let Some(cs) = &a.cs {
            for c in cs.cells.iter().filter(|c| !c.suppressed) {
                let base = if c.time >= c.group { c.group.plus(-1) } else { c.time.plus(-1) };
                let cohort = || a.design.treated.iter().filter(|t| t.start == c.group);
                let (at_t, at_base) = (behind(&mut cohort(), &|_| c.time), behind(&mut cohort(), &|_| base));
                assert!(at_t >= 5 && at_base >= 5, "case {case}: ATT({}, {}) behind {at_t}/{at_base}", c.group, c.time);
            }
        }
        staggered += usize::from(a.design.treated.iter().any(|t| t.start != a.design.treated[0].start));
        let mut raw = analyse_unprotected(dir.path());
        raw.disclosure = Some(Vec::new());
        leaky_without += usize::from(!leaks(&raw).is_empty());
        let audit = results.disclosure.as_ref().expect("an audit");
        let listed: usize = audit.iter().filter(|s| s.output.ends_with("trend.treated")).map(|s| s.cells).sum();
        assert!(listed >= a.trend.iter().filter(|p| p.treated_suppressed).count(), "case {case}: {audit:?}");
    }
    assert!(total_hidden > 0 && leaky_without >= 3, "{total_hidden} hidden cells, {leaky_without} leaky designs");
    assert!(staggered >= 1, "a staggered design was attacked");
}

fn analyse_unprotected(dir: &Path) -> Results {
    let study = frikommune::study::Study::load(&dir.join("study.toml")).unwrap();
    let panel = frikommune::ingest::read_panel(&study).unwrap();
    frikommune::pipeline::analyse(&study, &panel, &frikommune::pipeline::Silent).unwrap()
}

/// Læsø alone on the example's job clarification durations: 0–2 completed courses a month.
#[test]
fn laeso_alone_gives_nothing_back() {
    let panel = format!("{}/data/example/panel.csv", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let toml = study_toml(
        &panel,
        &["Læsø".into()],
        "2018-01-01",
        "jaf_duration_weeks",
        Some("jaf_completed"),
        "all",
        EventBase::PeriodBefore,
    );
    std::fs::write(dir.path().join("study.toml"), toml).unwrap();
    let results = analyse(dir.path());
    let a = &results.analyses[0];
    let shown_in_windows = a
        .trend
        .iter()
        .filter(|p| (a.design.pre.contains(p.period) || a.design.post.contains(p.period)) && p.treated.is_some())
        .count();
    assert_eq!(shown_in_windows, 0, "no monthly mean of Læsø's in the windows");
    let es = a.event_study.as_ref().expect("an event study");
    assert!(es.rows.iter().filter(|r| !r.reference).all(|r| r.suppressed && r.interval.estimate.is_nan()));
    assert!(a.cs.as_ref().is_none_or(|cs| cs.cells.iter().all(|c| c.suppressed)));
    assert_eq!(leaks(&results), Vec::<String>::new());
    // Nothing of it reaches a file: results.json writes the hidden coefficients as null.
    let json = serde_json::to_value(&results).unwrap();
    let rows = json["analyses"][0]["event_study"]["rows"].as_array().unwrap();
    assert!(rows.iter().filter(|r| r["reference"] == false).all(|r| r["estimate"].is_null() && r["ci_low"].is_null()));
    let audit = json["disclosure"].as_array().unwrap();
    assert!(
        audit
            .iter()
            .any(|s| s["output"].as_str().unwrap().ends_with("event_study.rows") && s["cells"].as_u64() > Some(0))
    );
}

/// One participant whose persons are few in a single month after its start: that month is
/// hidden, and with it the whole trial window of the trend. The imputation horizons measure the
/// other months of the window from a base the shown pre-period gives away, so every horizon in
/// the hidden window goes too; without that, the window's mean would give the month back.
#[test]
fn one_thin_month_after_the_start_hides_the_imputation_horizons_of_the_window() {
    let registry = frikommune::registry::Registry::embedded();
    let units: Vec<_> = registry.all().iter().take(30).collect();
    let participant = units[3].name.clone();
    let thin = Month::new(2020, 5).unwrap();
    let mut rng = frikommune::rng::Stream::new(7, 0);
    let mut csv = String::from("municipality,period,y,n\n");
    for m in &units {
        for year in 2017..=2021 {
            for month in 1..=12 {
                let at = Month::new(year, month).unwrap();
                let n = if m.name == participant && at == thin { 2 } else { 40 };
                writeln!(csv, "{},{year}-{month:02}-01,{:.3},{n}", m.code, 20.0 + rng.normal()).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("panel.csv"), csv).unwrap();
    let toml = study_toml("panel.csv", &[participant], "2020-01-01", "y", Some("n"), "all", EventBase::PreMean);
    std::fs::write(dir.path().join("study.toml"), toml).unwrap();
    let results = analyse(dir.path());
    let a = &results.analyses[0];
    assert!(a.trend.iter().any(|p| p.period == thin && p.treated_suppressed));
    assert!(!a.imputation.is_empty());
    assert!(
        a.imputation
            .iter()
            .filter(|h| a.design.post.contains(Month::new(2020, 1).unwrap().plus(h.rel_time)))
            .all(|h| h.suppressed)
    );
    assert_eq!(leaks(&results), Vec::<String>::new());
    // The attacker's tool is real: unprotected, the imputation horizons give the month back.
    // (The event study and Callaway–Sant'Anna left out, so only the horizons can leak.)
    let mut raw = analyse_unprotected(dir.path());
    raw.disclosure = Some(Vec::new());
    (raw.analyses[0].event_study, raw.analyses[0].cs) = (None, None);
    assert!(!leaks(&raw).is_empty());
    let audit = results.disclosure.as_ref().expect("an audit");
    assert!(audit.iter().any(|s| s.output.ends_with("imputation") && s.cells > 0), "{audit:?}");
}

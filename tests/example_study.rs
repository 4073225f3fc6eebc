//! The embedded example, end to end: estimates recover the simulator's truth, the run is
//! deterministic, and the report carries the trials, the estimates and the synthetic notice on
//! every page.

use std::path::{Path, PathBuf};
use std::process::Command;

use frikommune::charts::Drawn;
use frikommune::estimate::Method;
use frikommune::ingest::read_panel;
use frikommune::pipeline::{Silent, analyse, analyse_cases, panel_savings};
use frikommune::report::{PdfReport, PixiReport};
use frikommune::results::Results;
use frikommune::simulate::Truth;
use frikommune::study::{Lang, Study};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example analysed once and shared by the tests of this file.
fn example() -> (Study, Results) {
    static EXAMPLE: std::sync::OnceLock<(Study, Results)> = std::sync::OnceLock::new();
    EXAMPLE
        .get_or_init(|| {
            let study = Study::load(&repo().join("data/study.toml")).unwrap();
            let panel = read_panel(&study).unwrap();
            let mut results = analyse(&study, &panel, &Silent).unwrap();
            analyse_cases(&study, &Silent).unwrap().merge_into(&study, &mut results);
            (study, results)
        })
        .clone()
}

#[test]
fn estimates_recover_the_truth_within_their_intervals() {
    let (study, results) = example();
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(study.data.truth.as_ref().unwrap()).unwrap()).unwrap();
    let mut checked = 0;
    let mut misses = Vec::new();
    for t in &truth.effects {
        let a = results
            .analyses
            .iter()
            .find(|a| a.trial == t.trial && a.component == t.component && a.outcome == t.outcome)
            .unwrap_or_else(|| panic!("no analysis for {}.{}.{}", t.trial, t.component, t.outcome));
        // The truth is the average effect over the post window, the estimand of the 2×2 and of
        // TWFE. The event study (equal weight per event time) and Callaway–Sant'Anna (changes
        // from the single month before the start) answer other questions; their coverage is
        // measured by the Monte Carlo study (`frikommune montecarlo`), not asserted here. The
        // synthetic control (mean post-window gap of the treated mean) and SDID (block design,
        // common start) estimate the same average where the example declares them.
        for e in a
            .estimates
            .iter()
            .filter(|e| matches!(e.method, Method::Did2x2 | Method::Twfe | Method::Synth | Method::Sdid))
        {
            checked += 1;
            let i = &e.interval;
            if !(i.ci_low <= t.att && t.att <= i.ci_high) {
                misses.push(format!(
                    "{} {:?}: truth {:.4} outside [{:.4}, {:.4}]",
                    a.id, e.method, t.att, i.ci_low, i.ci_high
                ));
            }
        }
    }
    assert!(checked >= 20, "only {checked} estimates checked");
    let synthetic =
        results.analyses.iter().flat_map(|a| &a.estimates).filter(|e| matches!(e.method, Method::Synth | Method::Sdid));
    assert_eq!(
        synthetic.count(),
        8,
        "the example declares synth for velfaerd2023 (synthetic control, SDID and SDID joined with the RI, which decides) and sdid for ressource (2 outcomes each)"
    );
    assert!(misses.is_empty(), "{} of {checked} intervals miss the truth:\n{}", misses.len(), misses.join("\n"));
}

#[test]
fn the_simulated_certificate_saving_is_12_2_million() {
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(repo().join("data/example/truth.json")).unwrap()).unwrap();
    assert_eq!(truth.certificate_savings_target_dkk, Some(12_200_000.0));
    assert!(
        (truth.certificate_savings_dkk - 12_200_000.0).abs() < 50_000.0,
        "saving {} is not 12,2 mio. kr.",
        truth.certificate_savings_dkk
    );
}

#[test]
fn the_estimated_certificate_saving_recovers_12_2_million_inside_its_interval() {
    let (study, results) = example();
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(study.data.truth.as_ref().unwrap()).unwrap()).unwrap();
    let s = results.savings.iter().find(|s| s.key == "certificates").expect("the example declares certificate savings");
    let total = s.total.as_ref().unwrap_or_else(|| panic!("no total: {:?}", s.notes));
    for target in [truth.certificate_savings_dkk, 12_200_000.0] {
        assert!(
            total.ci_low <= target && target <= total.ci_high,
            "saving {:.0} [{:.0}, {:.0}] misses {target:.0}",
            total.savings,
            total.ci_low,
            total.ci_high
        );
    }
    // The interval says something: narrower than ±40 % of the saving, and away from zero.
    assert!(total.ci_low > 0.0 && total.ci_high - total.ci_low < 0.8 * total.savings);
    // Per municipality: the same participants as the truth, rows add up to the total, and most
    // intervals contain each municipality's own true saving.
    let codes: Vec<_> = s.units.iter().filter_map(|u| u.unit).collect();
    let truth_codes: Vec<_> = truth.certificate_savings_by_municipality.keys().copied().collect();
    assert_eq!(codes, truth_codes);
    let sum: f64 = s.units.iter().map(|u| u.savings).sum();
    assert!((sum - total.savings).abs() < 1e-6 * total.savings.abs());
    let covered = s
        .units
        .iter()
        .filter(|u| {
            let t = truth.certificate_savings_by_municipality[&u.unit.unwrap()];
            u.ci_low <= t && t <= u.ci_high
        })
        .count();
    assert!(covered * 10 >= s.units.len() * 8, "{covered} of {} municipality intervals cover", s.units.len());
}

/// The example's certificates case by case add up to the panel's monthly counts, so the saving
/// from the streamed case file equals the saving from the panel: the same participants,
/// comparison municipalities, spending and interval.
#[test]
fn savings_from_the_case_file_equal_savings_from_the_panel_counts() {
    let (study, results) = example();
    let from_cases = results.savings.iter().find(|s| s.key == "certificates").unwrap();
    assert_eq!(from_cases.source, "cases");
    let mut spec = study.savings.iter().find(|s| s.key == "certificates").unwrap().clone();
    spec.source =
        frikommune::study::SavingsSource::Panel { outcome: "lae265_count".into(), tariff: Some("lae265".into()) };
    let panel = read_panel(&study).unwrap();
    let from_panel = panel_savings(&study, &panel, &spec);
    assert_eq!(from_panel.comparison_units, from_cases.comparison_units);
    let (a, b) = (from_cases.total.as_ref().unwrap(), from_panel.total.as_ref().unwrap());
    for (x, y) in
        [(a.actual, b.actual), (a.counterfactual, b.counterfactual), (a.ci_low, b.ci_low), (a.ci_high, b.ci_high)]
    {
        assert!((x - y).abs() <= 1e-6 * y.abs(), "{x} vs {y}");
    }
    assert_eq!(from_cases.units.len(), from_panel.units.len());
}

/// Each certificate component's own cost analysis is turned into kroner with its own intervals:
/// −ATT × treated municipality-months (COVID months left out as in estimation).
#[test]
fn savings_carry_each_component_analysis_in_kroner() {
    let (_, results) = example();
    let s = results.savings.iter().find(|s| s.key == "certificates").unwrap();
    let a = results.analyses.iter().find(|a| a.id == "rehab.lae265.lae265_cost_dkk").unwrap();
    let months =
        a.design.post.first.through(a.design.post.last).filter(|m| !a.design.dropped_months.contains(m)).count();
    assert_eq!(a.design.treated.len(), 10);
    let rows: Vec<_> = s.by_analysis.iter().filter(|b| b.analysis == a.id).collect();
    assert_eq!(rows.len(), a.estimates.len());
    for (b, e) in rows.iter().zip(&a.estimates) {
        assert_eq!(b.unit_months, 10 * months);
        assert_eq!((b.method.as_str(), b.inference.as_str()), (e.method.key(), e.inference.name.as_str()));
        let n = b.unit_months as f64;
        assert!((b.savings + e.interval.estimate * n).abs() < 1e-6 * b.savings.abs());
        assert!(b.ci_low <= b.savings && b.savings <= b.ci_high);
        assert!((b.ci_high + e.interval.ci_low * n).abs() < 1e-6 * b.ci_high.abs());
    }
    // Every certificate component has its analysis there.
    for c in ["rehab", "reval_lae265", "reval_grant", "ressource"] {
        assert!(s.by_analysis.iter().any(|b| b.analysis == format!("{c}.lae265.lae265_cost_dkk")), "{c}");
    }
}

/// Every analysis has a finding; verdicts agree with the simulator's truth (a "better" finding
/// has a favourable true effect, an "on par" one a true effect inside the margin); adjusted
/// p-values are never below the raw ones; Danish sentences carry Danish numbers.
#[test]
fn findings_agree_with_the_truth_and_read_in_danish() {
    use frikommune::findings::{Verdict, wording};
    let (study, results) = example();
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(study.data.truth.as_ref().unwrap()).unwrap()).unwrap();
    // One finding per panel analysis, then one per duration analysis.
    assert_eq!(results.findings.len(), results.analyses.len() + results.durations.len());
    for f in results.findings.iter().filter(|f| !f.analysis.starts_with("durations.")) {
        let t = truth
            .effects
            .iter()
            .find(|e| f.analysis == format!("{}.{}.{}", e.trial, e.component, e.outcome))
            .unwrap_or_else(|| panic!("no truth for {}", f.analysis));
        let favourable = match f.better {
            frikommune::study::Better::Higher => t.att,
            frikommune::study::Better::Lower => -t.att,
        };
        match f.verdict {
            Verdict::Better => assert!(favourable > 0.0, "{}: better, truth {}", f.analysis, t.att),
            Verdict::Worse => assert!(favourable < 0.0, "{}: worse, truth {}", f.analysis, t.att),
            Verdict::OnPar => assert!(t.att.abs() < f.margin.unwrap(), "{}: on par, truth {}", f.analysis, t.att),
            Verdict::Maintained => assert!(favourable > -f.margin.unwrap(), "{}", f.analysis),
            Verdict::Inconclusive => assert!(f.mde.is_finite() && f.mde > 0.0),
        }
        assert!(f.p_holm >= f.p_value - 1e-12 && f.p_bh >= f.p_value - 1e-12 && f.p_holm >= f.p_bh - 1e-12);
    }
    // The DiD designs decide with randomization inference, the synthetic-control one with SDID's
    // placebo interval on the same donors joined with the 2×2 RI (docs/montecarlo.md: the
    // synthetic control's own placebo interval under-covers).
    let velfaerd = results.findings.iter().find(|f| f.trial == "velfaerd2023").unwrap();
    assert_eq!((velfaerd.method, velfaerd.inference.as_str()), (Method::Sdid, frikommune::estimate::SDID_AND_RI));
    assert!(velfaerd.caveats.iter().any(|c| matches!(c, frikommune::findings::Caveat::FewTreated { n: 4 })));
    // The example's last 3 months (October–December 2024) are provisional: only the welfare
    // agreements' window (2023–2026) reaches them.
    for f in &results.findings {
        let provisional = f.caveats.iter().find_map(|c| match c {
            frikommune::findings::Caveat::Provisional { months, from } => Some((*months, from.to_string())),
            _ => None,
        });
        let want = (f.trial == "velfaerd2023").then(|| (3, "2024-10".to_string()));
        assert_eq!(provisional, want, "{}", f.analysis);
    }
    let jaf = results.findings.iter().find(|f| f.analysis == "rehab.jaf.jaf_duration_weeks").unwrap();
    let text = wording::sentence(&results, jaf, Lang::Da);
    assert!(text.contains("uger") && text.contains("95 %-konfidensinterval") && text.contains(','), "{text}");
    // The JAF spells: 12 % shorter in the simulation. The case-file finding is judged against
    // ±2 weeks, worded descriptively, adjusted with the family, and its relative effect
    // recovers the simulated 12 %.
    let spells = results.findings.iter().find(|f| f.analysis == "durations.jaf").expect("a duration finding");
    assert_eq!((spells.method, spells.verdict, spells.causal), (Method::CompletedDid, Verdict::Better, false));
    // Ten trial municipalities: the interval that decides is randomization inference's.
    assert_eq!(spells.inference, "RI");
    assert_eq!(spells.margin, Some(2.0));
    let rel = spells.relative.expect("a relative effect");
    assert!((-0.16..-0.08).contains(&rel), "relative {rel}");
    assert!(spells.p_holm.is_finite() && spells.p_holm >= spells.p_value);
    let text = wording::sentence(&results, spells, Lang::Da);
    assert!(text.starts_with("Rehabiliteringsteams") && text.contains("Varighed af jobafklaringsforløb"), "{text}");
    // Relative effects exist for counts and kroner, never for shares.
    for f in &results.findings {
        let unit = results.outcomes.iter().find(|o| o.key == f.outcome).unwrap().unit;
        assert_eq!(f.relative.is_none(), unit == frikommune::study::Unit::Percent, "{}", f.analysis);
    }
    let saving = wording::savings_sentence(&results.savings[0], Lang::Da).unwrap();
    assert!(
        saving.contains("12,1 mio. kr.") && saving.contains("10,2 mio. kr.") && saving.contains("14,0 mio. kr."),
        "{saving}"
    );
}

#[test]
fn jaf_durations_recover_the_spell_level_truth() {
    let (study, results) = example();
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(study.data.truth.as_ref().unwrap()).unwrap()).unwrap();
    let d = results.durations.iter().find(|d| d.key == "jaf").expect("the example declares JAF durations");
    assert_eq!(d.treated_units.len(), 10);
    let group = |g: &str, p: &str| d.groups.iter().find(|x| x.group == g && x.period == p).unwrap();
    let (tb, td, cb, cd) = (
        group("trial", "before"),
        group("trial", "during"),
        group("comparison", "before"),
        group("comparison", "during"),
    );
    // Shorter spells in the trial municipalities once the trial started, not in the comparison.
    let median = |g: &frikommune::results::SurvivalGroup| g.median.expect("median shown");
    assert!(median(td) < median(tb) - 2.0, "trial medians {} → {}", median(tb), median(td));
    assert!((median(cd) - median(cb)).abs() < 1.5, "comparison medians {} → {}", median(cb), median(cd));
    // The completed-spell DiD covers the true mean change of the treated spells.
    let want = truth.jaf_spell_effect_weeks.expect("truth has the spell effect");
    let did = d.completed_did.as_ref().expect("completed-spell DiD");
    assert!(did.ci_low <= want && want <= did.ci_high, "{want} outside [{}, {}]", did.ci_low, did.ci_high);
    // So does randomization inference over the municipalities, around the same estimate.
    let ri = &d.completed_did_ri.as_ref().expect("randomization inference for the completed-spell DiD").interval;
    assert!((ri.estimate - did.estimate).abs() < 1e-9, "{} vs {}", ri.estimate, did.estimate);
    assert!(ri.ci_low <= want && want <= ri.ci_high, "{want} outside [{}, {}]", ri.ci_low, ri.ci_high);
    assert!(ri.ci_high < 0.0 && ri.p_value < 0.05, "{ri:?}");
    // Shorter spells = a higher hazard of ending: the interaction's hazard ratio is above 1.
    let cox = d.cox.as_ref().expect("Cox fit");
    let interaction = &cox.rows[2];
    assert!(
        interaction.ci_low > 1.0,
        "hazard ratio {} [{}, {}]",
        interaction.hazard_ratio,
        interaction.ci_low,
        interaction.ci_high
    );
    assert_eq!(cox.clusters, 10 + d.comparison_units.len());
    // Log-rank: the groups differ during the trial.
    assert!(d.logrank.iter().any(|l| l.period == "during" && l.p_value < 0.01));
    // Every curve point shown rests on at least min_cell spells at risk, and curves start at 1.
    for g in &d.groups {
        assert_eq!(g.curve.first().map(|p| p.survival), Some(1.0));
        assert!(g.curve.iter().all(|p| d.min_cell.allows(p.at_risk)));
        assert!(g.curve.windows(2).all(|w| w[1].survival <= w[0].survival));
    }
}

#[test]
fn the_committed_example_data_are_what_the_simulator_makes() {
    // Re-simulate in memory and compare with the committed panel: the data are reproducible
    // from the seed in data/study.toml.
    let study = Study::load(&repo().join("data/study.toml")).unwrap();
    let sim = frikommune::simulate::simulate(&study).unwrap();
    let committed = read_panel(&study).unwrap();
    assert_eq!(committed.units, sim.panel.units);
    assert_eq!(committed.months, sim.panel.months);
    for (key, series) in &sim.panel.series {
        let c = &committed.series[key];
        for (a, b) in series.values.iter().zip(&c.values) {
            assert!((a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-9, "{key}: {a} vs {b}");
        }
    }
}

#[test]
fn every_report_page_says_the_data_are_synthetic() {
    let (_, results) = example();
    for lang in [Lang::Da, Lang::En] {
        let typeset = PdfReport { lang }.typeset(&results, &Drawn::default()).unwrap();
        assert!(typeset.pages.len() >= 5, "only {} pages", typeset.pages.len());
        let notice = frikommune::wording::t("synthetic_notice", lang);
        // Typst may break the notice into runs; compare without spaces.
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        for (i, page) in typeset.pages.iter().enumerate() {
            assert!(squash(page).contains(&squash(notice)), "page {} lacks the notice ({lang:?})", i + 1);
        }
        let all = squash(&typeset.pages.join(" "));
        for trial in &results.trials {
            let name = if lang == Lang::Da { &trial.name } else { &trial.name_en };
            assert!(all.contains(&squash(name)), "report lacks trial {name}");
        }
        assert!(typeset.pdf.starts_with(b"%PDF"));
    }
}

/// The pixi: 4–8 pages in both languages, the synthetic notice on every page, the overall
/// bullets, and the certificate trials' saving of about 12,2 mio. kr. with its interval.
#[test]
fn the_pixi_is_short_and_says_what_the_certificate_trials_saved() {
    let (_, results) = example();
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    for (lang, overall, saving) in [
        (Lang::Da, "Evalueringerne viser samlet set", "brugte 12,1 mio. kr. mindre"),
        (Lang::En, "Overall, the evaluations show", "spent DKK 12.1 million less"),
    ] {
        let typeset = PixiReport { lang }.typeset(&results, &Drawn::default()).unwrap();
        let n = typeset.pages.len();
        assert!((4..=8).contains(&n), "the pixi has {n} pages ({lang:?})");
        let notice = squash(frikommune::wording::t("synthetic_notice", lang));
        for (i, page) in typeset.pages.iter().enumerate() {
            assert!(squash(page).contains(&notice), "pixi page {} lacks the notice ({lang:?})", i + 1);
        }
        let all = squash(&typeset.pages.join(" "));
        assert!(all.contains(&squash(overall)), "{lang:?}: no overall section");
        assert!(all.contains(&squash(saving)), "{lang:?}: the saving sentence is missing");
        let interval = if lang == Lang::Da { "10,2mio.kr.til14,0mio.kr." } else { "DKK10.2milliontoDKK14.0million" };
        assert!(all.contains(interval), "{lang:?}: the saving's interval is missing");
        // Every trial is listed.
        for trial in &results.trials {
            let name = if lang == Lang::Da { &trial.name } else { &trial.name_en };
            assert!(all.contains(&squash(name)), "pixi lacks trial {name}");
        }
    }
    // Without a saving, a theme's key number is its strongest finding relative to the level
    // without the trial, with the effect in the outcome's unit beside it.
    let mut without_savings = results.clone();
    without_savings.savings.clear();
    let typeset = PixiReport { lang: Lang::Da }.typeset(&without_savings, &Drawn::default()).unwrap();
    let all = squash(&typeset.pages.join(" "));
    assert!(all.contains("iforholdtilniveaueti"), "no relative key number");
    let theme = &results.trials.iter().find(|t| t.key == "rehab").unwrap().theme;
    let shown = results
        .findings
        .iter()
        .filter(|f| results.trials.iter().any(|t| t.key == f.trial && &t.theme == theme))
        .filter_map(|f| f.relative)
        .any(|r| all.contains(&squash(&format!("{} %", frikommune::locale::signed(100.0 * r, 0, Lang::Da)))));
    assert!(shown, "no finding's relative effect is the key number of {theme}");
}

fn run_into(out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet"])
        .arg(repo().join("data/study.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "run failed: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn run_writes_every_output_and_is_byte_identical_twice() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_into(a.path());
    run_into(b.path());
    let da = a.path().join("nordjylland-eksempel");
    let db = b.path().join("nordjylland-eksempel");
    // The example study asks for Danish with English beside it in en/.
    for f in [
        "results.json",
        "results.csv",
        "results.parquet",
        "report.pdf",
        "pixi.pdf",
        "report.html",
        "report.md",
        "en/report.pdf",
        "en/pixi.pdf",
        "en/report.html",
        "en/report.md",
        "en/charts/forest.svg",
    ] {
        let x = std::fs::read(da.join(f)).unwrap();
        let y = std::fs::read(db.join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
    // results.parquet holds the rows of results.csv, typed.
    let parquet = frikommune::ingest::polars_io::read_text_table(&da.join("results.parquet"), b',').unwrap();
    let csv = frikommune::ingest::polars_io::read_text_table(&da.join("results.csv"), b',').unwrap();
    assert_eq!(parquet.names(), csv.names());
    assert_eq!(parquet.rows, csv.rows);
    for name in ["estimate", "ci_low", "p_value", "n_obs"] {
        let number = |t: &frikommune::ingest::polars_io::TextTable| -> Vec<f64> {
            t.column(name).unwrap().iter().map(|c| c.as_deref().unwrap().parse::<f64>().unwrap()).collect()
        };
        let (p, c) = (number(&parquet), number(&csv));
        assert!(p.iter().zip(&c).all(|(x, y)| x == y || (x.is_nan() && y.is_nan())), "{name}");
    }
    let results: Results = serde_json::from_slice(&std::fs::read(da.join("results.json")).unwrap()).unwrap();
    assert!(results.study.synthetic);
    assert_eq!(results.study.languages, [Lang::Da, Lang::En]);
    // Every chart has its English twin under en/, and the English documents speak English.
    for a in &results.analyses {
        let svg = std::fs::read_to_string(da.join("en").join(&a.chart.as_ref().unwrap().svg)).unwrap();
        assert!(svg.contains("Trial start") && !svg.contains("Forsøgsstart"), "en/{}", a.id);
    }
    let md = std::fs::read_to_string(da.join("en/report.md")).unwrap();
    assert!(md.contains("Main findings") && md.contains("(charts/forest.png)"));
    assert!(std::fs::read_to_string(da.join("en/report.html")).unwrap().contains("lang=\"en\""));
    let twfe = results.analyses.iter().flat_map(|a| &a.estimates).filter(|e| e.method.key() == "twfe").count();
    assert_eq!(twfe, 2 * results.analyses.len(), "every analysis has TWFE with CR1 and with the wild bootstrap");
    for a in &results.analyses {
        // Every analysis has an event study with its pre-trend test and Callaway–Sant'Anna
        // group-time effects; staggered participants give several cohorts.
        let es = a.event_study.as_ref().unwrap_or_else(|| panic!("{}: no event study", a.id));
        assert!(es.pretrend.is_some(), "{}", a.id);
        // Measured from the pre-period mean, the period before the start has an interval too.
        let before = es.rows.iter().find(|r| r.rel_time == -1).unwrap_or_else(|| panic!("{}: no −1", a.id));
        assert!(!before.reference && before.interval.ci_low < before.interval.ci_high, "{}", a.id);
        // And the sensitivity to parallel trends is reported.
        assert!(es.sensitivity.is_some(), "{}: no sensitivity", a.id);
        let placebo = a.placebo.as_ref().unwrap_or_else(|| panic!("{}: no placebo pre-trend test", a.id));
        assert_eq!(placebo.inference.name, "RI");
        // The synthetic data have parallel pre-trends: the level-holding test does not reject.
        assert!(placebo.interval.p_value > 0.05, "{}: placebo p = {}", a.id, placebo.interval.p_value);
        let cs = a.cs.as_ref().unwrap_or_else(|| panic!("{}: no Callaway–Sant'Anna", a.id));
        let cohorts: std::collections::BTreeSet<_> = cs.cells.iter().map(|c| c.group).collect();
        let starts: std::collections::BTreeSet<_> = a.design.treated.iter().map(|t| t.start).collect();
        assert_eq!(cohorts.len(), starts.len(), "{}: one cohort per start month", a.id);
        let cr1: Vec<_> = a.estimates.iter().filter(|e| e.inference.name == "CR1").collect();
        // did2x2, twfe, the event study and Sun–Abraham.
        assert!(cr1.len() == 4 && cr1.iter().all(|e| e.inference.description.contains("fixest")), "{}", a.id);
        // Randomization inference accompanies every 2×2 with the same point estimate: exact
        // where all participants start together, start months reassigned by Monte Carlo where
        // they are staggered.
        let single_cohort = a.design.treated.iter().all(|t| t.start == a.design.treated[0].start);
        let wcr: Vec<_> = a.estimates.iter().filter(|e| e.inference.name == "WCR").collect();
        let twfe = a.estimates.iter().find(|e| e.method.key() == "twfe" && e.inference.name == "CR1").unwrap();
        assert_eq!(wcr.len(), 1, "{}: one wild bootstrap interval", a.id);
        assert_eq!(wcr[0].interval.estimate, twfe.interval.estimate);
        assert!(wcr[0].inference.description.contains("wild cluster bootstrap"));
        let ri: Vec<_> = a.estimates.iter().filter(|e| e.inference.name == "RI").collect();
        assert_eq!(ri.len(), 1, "{}", a.id);
        assert_eq!(ri[0].inference.description.contains("cohort sizes kept"), !single_cohort, "{}", a.id);
        if let Some(ri) = ri.first() {
            let did = a.estimates.iter().find(|e| e.method.key() == "did2x2" && e.inference.name == "CR1").unwrap();
            assert!((ri.interval.estimate - did.interval.estimate).abs() < 1e-9);
            assert!(ri.interval.se.is_nan() && ri.inference.description.contains("randomization"));
        }
    }
    let csv = std::fs::read_to_string(da.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + results.analyses.iter().map(|a| a.estimates.len()).sum::<usize>());
    for a in &results.analyses {
        let chart = a.chart.as_ref().unwrap();
        let png = std::fs::read(da.join(&chart.png)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{} is not a PNG", chart.png);
        let svg = std::fs::read_to_string(da.join(&chart.svg)).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Forsøgsstart"), "{} lacks the start label", chart.svg);
    }
    // Synthetic designs draw the treated mean against its synthetic control (or SDID's
    // comparison), the gap over the placebo gaps (synthetic control only) and the weights.
    let mut synthetic_charts = 0;
    for a in results.analyses.iter().filter(|a| a.synth.is_some() || a.sdid.is_some()) {
        let svg = |c: &Option<frikommune::results::ChartFiles>| {
            std::fs::read_to_string(da.join(&c.as_ref().unwrap_or_else(|| panic!("{}: chart missing", a.id)).svg))
                .unwrap()
        };
        let versus = if a.synth.is_some() { "Syntetisk kontrol" } else { "Syntetisk DiD" };
        assert!(svg(&a.synth_chart).contains(versus), "{}", a.id);
        assert!(svg(&a.weights_chart).contains("Vægt"), "{}", a.id);
        if a.synth.is_some() {
            assert!(svg(&a.gap_chart).contains("Placebo"), "{}", a.id);
        } else {
            assert!(a.gap_chart.is_none());
        }
        synthetic_charts += 1;
    }
    assert_eq!(synthetic_charts, 4);
    // The forest plot: a panel per outcome (its label in the SVG) and every finding in its alt text.
    let forest = results.forest_chart.as_ref().expect("a forest plot");
    let svg = std::fs::read_to_string(da.join(&forest.svg)).unwrap();
    for o in &results.outcomes {
        assert!(svg.contains(&o.label), "the forest plot lacks the panel for {}", o.key);
    }
    assert_eq!(forest.alt.matches(" [").count(), results.findings.len(), "{}", forest.alt);
    let mut leftovers: Vec<String> =
        std::fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [".nordjylland-eksempel.lock", "nordjylland-eksempel"],
        "only the study folder and its lock file are left in the output root"
    );

    // `report` in the run's language reproduces results.json byte for byte (floats round-trip).
    let before = std::fs::read(da.join("results.json")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["report", "--quiet"])
        .arg(da.join("results.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "report failed: {}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(da.join("results.json")).unwrap() == before, "report changed results.json");
    assert!(da.join("en/report.pdf").exists(), "report keeps the English documents beside the Danish");

    // `report` re-renders the PDF from results.json alone, here in English.
    let danish = std::fs::read(da.join("report.pdf")).unwrap();
    std::fs::remove_file(da.join("report.pdf")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["report", "--lang", "en", "--quiet"])
        .arg(da.join("results.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "report failed: {}", String::from_utf8_lossy(&o.stderr));
    let english = std::fs::read(da.join("report.pdf")).unwrap();
    assert!(english.starts_with(b"%PDF") && english != danish);
    assert!(!da.join("en").exists(), "English is now the main language: no en/ folder");
    // The charts follow the language, and so do the other documents.
    let results: Results = serde_json::from_slice(&std::fs::read(da.join("results.json")).unwrap()).unwrap();
    let chart = results.analyses[0].chart.as_ref().unwrap();
    let svg = std::fs::read_to_string(da.join(&chart.svg)).unwrap();
    assert!(svg.contains("Trial start") && !svg.contains("Forsøgsstart"), "the chart is not in English");
    let md = std::fs::read_to_string(da.join("report.md")).unwrap();
    assert!(md.contains("Main findings") && md.contains("confidence interval"));
    assert!(std::fs::read(da.join("pixi.pdf")).unwrap().starts_with(b"%PDF"));
}

/// The example measures its event studies from the pre-period mean. On the JAF durations
/// (monthly, 10 participants) that reading covers the simulator's truth, and it lies nearer the
/// truth than the reading from the single month before the start, which moves every
/// coefficient with that month's noise.
#[test]
fn the_event_study_from_the_pre_period_mean_recovers_the_jaf_duration_truth() {
    use frikommune::design::Design;
    use frikommune::estimate::event::{EventBase, EventStudy};
    let (study, results) = example();
    assert_eq!(study.event_base, EventBase::PreMean, "data/study.toml sets event_base = \"pre_mean\"");
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(study.data.truth.as_ref().unwrap()).unwrap()).unwrap();
    let want = truth.effects.iter().find(|t| t.outcome == "jaf_duration_weeks" && t.trial == "rehab").unwrap().att;
    let a = results.analyses.iter().find(|a| a.id == "rehab.jaf.jaf_duration_weeks").expect("the JAF durations");
    assert_eq!(a.event_study.as_ref().unwrap().base, EventBase::PreMean);
    let e = a.estimates.iter().find(|e| e.method == Method::Event).expect("an event study");
    let i = &e.interval;
    assert!(i.ci_low <= want && want <= i.ci_high, "truth {want} outside [{}, {}]", i.ci_low, i.ci_high);

    // The same event study from the month before the start.
    let panel = read_panel(&study).unwrap();
    let (ti, trial) = study.trials.iter().enumerate().find(|(_, t)| t.key == "rehab").unwrap();
    let ci = trial.components.iter().position(|c| c.key == "jaf").unwrap();
    let design = Design::build(&study, &panel, ti, ci, "jaf_duration_weeks").unwrap();
    let fit =
        |base| EventStudy { base, ..design.event_study(&study) }.fit(&design.sample(&panel)).unwrap().estimate.interval;
    let (mean_base, before) = (fit(EventBase::PreMean), fit(EventBase::PeriodBefore));
    assert!((mean_base.estimate - i.estimate).abs() < 1e-9, "{} vs {}", mean_base.estimate, i.estimate);
    assert!(
        (mean_base.estimate - want).abs() < (before.estimate - want).abs(),
        "pre-period mean {} vs month before {}, truth {want}",
        mean_base.estimate,
        before.estimate
    );
}

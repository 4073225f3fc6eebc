//! `frikommune init DIR`: a new study that validates and runs as it is.
//!
//! The scaffold is a commented `study.toml`, a long-layout panel of synthetic data in
//! `data/panel.csv` (so the first run works before the real data arrive; the study says it is
//! synthetic, so every page does too) and a README with the next steps. The panel comes from
//! a seeded ChaCha stream (`rng::Stream`), so `init` writes the same files every time.

use crate::period::Month;
use crate::registry::Registry;
use crate::rng::Stream;

/// Trial municipalities of the scaffold (any three would do).
const PARTICIPANTS: [&str; 3] = ["Aalborg", "Brønderslev", "Jammerbugt"];
/// The panel runs from January 2019 to June 2024; the trial starts in January 2022.
const FIRST: Month = Month::january(2019);
const MONTHS: i32 = 66;
const START: i32 = 36;

/// The files of a new study named `name`: (path relative to the study folder, contents).
pub fn files(name: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("study.toml", study(name).into_bytes()),
        ("data/panel.csv", panel().into_bytes()),
        ("README.md", readme(name).into_bytes()),
    ]
}

fn study(name: &str) -> String {
    STUDY
        .replace("{name}", name)
        .replace("{participants}", &PARTICIPANTS.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", "))
}

fn readme(name: &str) -> String {
    README.replace("{name}", name)
}

/// Two monthly outcomes for every municipality: an employment rate (percent) and the number of
/// persons in a programme. Each municipality has its own level, with a shared season and
/// trend and noise. From January 2022 the participants' rate is 0,8 points higher and their
/// count 6 % lower.
fn panel() -> String {
    let registry = Registry::embedded();
    let mut rng = Stream::new(2022, 0);
    let mut uniform = |lo: f64, hi: f64| lo + (hi - lo) * rng.uniform();
    let mut out = String::from("municipality,period,outcome,value\n");
    for m in registry.all() {
        let treated = PARTICIPANTS.contains(&m.name.as_str());
        let level = 74.0 + uniform(-4.0, 4.0);
        let size = (m.population as f64 / 1000.0).max(1.0);
        for t in 0..MONTHS {
            let month = FIRST.plus(t);
            let season = [0.0, -0.4, -0.3, 0.1, 0.4, 0.6, 0.5, 0.2, 0.3, 0.1, -0.3, -0.6][month.month() as usize - 1];
            let after = treated && t >= START;
            let rate = level + 0.02 * t as f64 + season + uniform(-0.5, 0.5) + if after { 0.8 } else { 0.0 };
            let count = (size * (3.0 - 0.5 * season) * uniform(0.9, 1.1) * if after { 0.94 } else { 1.0 }).round();
            out.push_str(&format!("{},{month},employment_rate,{rate:.2}\n", m.code));
            out.push_str(&format!("{},{month},programme_count,{count}\n", m.code));
        }
    }
    out
}

const STUDY: &str = r#"# A new frikommune study. Every key is in docs/study.md; data/study.toml in the frikommune
# repository is a full example. Paths are relative to this file; dates are YYYY-MM-DD.
#
# The data in data/panel.csv are SYNTHETIC (made by `frikommune init`): replace them with the
# real panel and set `synthetic = false`.

[study]
name = "{name}"            # the output folder under --out
title = "Ny forsøgsevaluering"
title_en = "New trial evaluation"
synthetic = true           # every page says the data are synthetic; set false for real data
language = ["da", "en"]    # the first at the top of the output folder, the other in en/

[data]
panel = "data/panel.csv"
layout = "long"            # municipality,period,outcome,value[,n] (or "wide": one column per outcome)
provisional_months = 0     # the latest months the source may still revise
# [[data.sources]] reads Statbank, Jobindsats and spreadsheet tables directly, e.g.
# [[data.sources]]
# file = "data/aus08.csv"
# outcome = "unemployment"
# filter = { "KØN" = "Køn i alt" }

[inference]
conf_level = 0.95
seed = 1                   # every random draw: a ChaCha stream (seed, replication)
reps = 9999                # randomization-inference and wild-bootstrap draws
event_base = "pre_mean"    # event study measured from the mean of the months before the start ("period_before": the month before alone, as fixest)
# cs_covariates = ["level", "population"]   # Callaway–Sant'Anna doubly robust in the pre-period level and log population
# cs_unbalanced = "keep"     # Callaway–Sant'Anna keeps municipalities with gaps (R did's allow_unbalanced_panel)

[confidentiality]
min_cell = 5               # means behind fewer persons are suppressed (DST's rule)

[covid]
handling = "exclude"       # exclude: months touching a window are left out of estimation
windows = [
  { start = "2020-03-12", end = "2020-05-26", label = "COVID-19" },
]

[[outcomes]]
key = "employment_rate"
label = "Beskæftigelsesfrekvens"
label_en = "Employment rate"
unit = "percent"           # percent | weeks | dkk | count
better = "higher"          # higher | lower
margin = 1.0               # equivalence margin: enables "på niveau med" (on par)

[[outcomes]]
key = "programme_count"
label = "Personer i forløb"
label_en = "Persons in a programme"
unit = "count"
better = "lower"

[[trials]]
key = "forsoeg"
name = "Forsøg med færre proceskrav"
name_en = "Trial with fewer process requirements"
theme = "Beskæftigelse"    # trials are grouped by theme in the pixi report
theme_en = "Employment"
network = "KKR Nordjylland"  # the municipal network that publishes the pixi
end = "2024-06-30"         # the day the freedom ended
pre_months = 24            # months before the start that form the pre-period

  [trials.comparison]
  design = "all"           # all | list | matching | synth | sdid

  [[trials.components]]
  key = "del"
  name = "Færre samtalekrav"
  name_en = "Fewer mandatory meetings"
  start = "2022-01-01"
  participants = [{participants}]
  outcomes = ["employment_rate", "programme_count"]
"#;

const README: &str = r#"# {name}

A frikommune study made by `frikommune init`.

| file | what it is |
|---|---|
| `study.toml` | the study: trials, participants, outcomes, comparison design (every key is commented) |
| `data/panel.csv` | the panel in the canonical long layout: `municipality,period,outcome,value`, one row per municipality, month and outcome; **synthetic** until you replace it |

Run it:

```sh
frikommune validate study.toml      # the study and its data, checked
frikommune run study.toml           # estimates, charts and reports in reports/{name}/
```

Next:

1. Put the real data in `data/`: a panel in this layout, or Statbank/Jobindsats tables through `[[data.sources]]`.
2. Set `synthetic = false`.
3. Name the real trial, its start, its participants and its outcomes.

`frikommune validate` names the file, row and column of every problem.
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_panel_is_the_same_every_time_and_long() {
        let a = super::panel();
        assert_eq!(a, super::panel());
        assert!(a.starts_with("municipality,period,outcome,value\n"));
        // 98 municipalities × 66 months × 2 outcomes, and the header.
        assert_eq!(a.lines().count(), 98 * 66 * 2 + 1);
    }
}

//! A small yearly study at the 90 % level, shared by the wording and snapshot tests: a
//! Statbank-style table (`OMRÅDE;TID;INDHOLD`, decimal commas) of every municipality 2008–2021,
//! three trials (all non-participants, synthetic control, synthetic DiD), a COVID window, an
//! event and provisional figures, in Danish and English.

use std::path::{Path, PathBuf};
use std::process::Command;

const STUDY: &str = r#"
[study]
name = "aarlig"
title = "Årlige tal med 90 %-intervaller"
title_en = "Yearly figures with 90% intervals"
synthetic = true
language = ["da", "en"]

[data]
provisional_months = 12

[[data.sources]]
file = "aar.csv"
outcome = "rate"

[inference]
conf_level = 0.90
reps = 199
sdid_reps = 50
band_reps = 99
synth_conformal = true

[covid]
handling = "exclude"
windows = [{ start = "2020-03-12", end = "2020-05-26", label = "COVID-19" }]

[[events]]
date = "2017-01-01"
label = "Ny lov"
label_en = "New act"

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
label_en = "Employment rate"
unit = "percent"
better = "higher"
margin = 0.5

[[trials]]
key = "alle"
name = "Forsøg mod alle"
end = "2021-12-31"
pre_months = 72

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-03-01"
  participants = ["Aalborg", "Brønderslev", "Hjørring", "Thisted"]
  outcomes = ["rate"]

[[trials]]
key = "syntetisk"
name = "Forsøg med syntetisk kontrol"
end = "2021-12-31"
pre_months = 72

  [trials.comparison]
  design = "synth"

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = ["Greve", "Silkeborg"]
  outcomes = ["rate"]

[[trials]]
key = "sdid"
name = "Forsøg med syntetisk DiD"
end = "2021-12-31"
pre_months = 72

  [trials.comparison]
  design = "sdid"

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = ["Hillerød", "Aabenraa"]
  outcomes = ["rate"]
"#;

/// A Statbank-style yearly table (`OMRÅDE;TID;INDHOLD`, decimal commas), 2008–2021, with a
/// rise of 1,5 points in the participants from their start year.
pub fn write_study(dir: &Path) {
    let registry = frikommune::registry::Registry::embedded();
    let mut years = String::from("OMRÅDE;TID;INDHOLD\n");
    let treated = ["Aalborg", "Brønderslev", "Hjørring", "Thisted", "Greve", "Silkeborg", "Hillerød", "Aabenraa"];
    for (i, m) in registry.all().iter().enumerate() {
        for y in 2008..=2021 {
            let rise = if treated.contains(&m.name.as_str()) && y >= 2016 { 1.5 } else { 0.0 };
            let v = 70.0 + 0.05 * i as f64 + 0.3 * (y - 2008) as f64 + 0.4 * ((i * 3 + y as usize) as f64).cos() + rise;
            years.push_str(&format!("{};{y};{}\n", m.name, format!("{v:.2}").replace('.', ",")));
        }
    }
    std::fs::write(dir.join("aar.csv"), years).unwrap();
    std::fs::write(dir.join("study.toml"), STUDY).unwrap();
}

/// Runs the study in `dir` and returns its output folder.
pub fn run_yearly_study(dir: &Path) -> PathBuf {
    write_study(dir);
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet"])
        .arg(dir.join("study.toml"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir.join("out/aarlig")
}

//! Statbank exports in every shape statistikbanken.dk delivers, modelled on the real RAS200
//! export and made by `tests/hostile/make_statbank_variants.py`: the xlsx as downloaded (title
//! and unit lines, blank dimension headers, dimension values written once per block, years as
//! columns, aggregates and Christiansø), the same as a Latin-1 `;` CSV with decimal commas and
//! footnotes, as a UTF-8 `,` CSV with a BOM and no title lines, and with time as rows (a `TID`
//! column without a header, the area written once per block). Each is read with only `file`
//! and `outcome` and gives the same panel, equal to the script's formula.

use std::path::{Path, PathBuf};

use frikommune::ingest::read_panel;
use frikommune::period::Month;
use frikommune::registry::{AreaKind, Registry};
use frikommune::study::Study;

fn study(dir: &Path, file: &Path) -> Study {
    let text = format!(
        r#"
[study]
name = "variant"
title = "Statbank-variant"

[[data.sources]]
file = {:?}
outcome = "rate"

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
unit = "percent"
better = "higher"

[[trials]]
key = "t"
name = "Forsøg"
end = "2020-12-31"
pre_months = 60

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = ["Aalborg", "Læsø"]
  outcomes = ["rate"]
"#,
        file.display().to_string()
    );
    let path = dir.join("study.toml");
    std::fs::write(&path, text).unwrap();
    Study::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The script's areas in its order, to recover each municipality's index `i`.
fn area_index(name: &str) -> usize {
    let script = std::fs::read_to_string(fixtures().join("../../hostile/make_statbank_variants.py")).unwrap();
    let list = script.split("AREAS = \"\"\"").nth(1).unwrap().split("\"\"\"").next().unwrap().replace('\n', "");
    list.split('|').position(|a| a == name).unwrap_or_else(|| panic!("{name}"))
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/statbank")
}

#[test]
fn every_shape_of_the_export_reads_to_the_same_panel() {
    let registry = Registry::embedded();
    let files = ["ras200_wide.xlsx", "ras200_wide_latin1.csv", "ras200_wide_utf8.csv", "ras200_long_latin1.csv"];
    let mut first: Option<Vec<f64>> = None;
    for file in files {
        let dir = tempfile::tempdir().unwrap();
        let panel = read_panel(&study(dir.path(), &fixtures().join(file))).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(panel.units.len(), 98, "{file}");
        assert_eq!(panel.frequency("rate").name(), "yearly", "{file}");
        assert_eq!(panel.months.first, Month::new(2010, 1).unwrap(), "{file}");
        assert_eq!(panel.months.last, Month::new(2021, 12).unwrap(), "{file}");
        // Spot checks against the formula, through DST's English spellings.
        for (dst_name, code) in [("Copenhagen", 101), ("Læsø", 825), ("Vesthimmerlands", 820), ("Aalborg", 851)] {
            let i = area_index(dst_name);
            for y in [2010, 2016, 2021] {
                let want = ((70.0 + 0.05 * i as f64 + 0.2 * (y - 2010) as f64) * 10.0).round() / 10.0;
                let got = panel.value("rate", panel.unit_index(code).unwrap(), Month::new(y, 12).unwrap());
                assert_eq!(got, Some(want), "{file}: {} {y}", registry.name(code));
            }
        }
        let kinds: Vec<(AreaKind, usize)> = panel.left_out.iter().map(|n| (n.kind, n.names.len())).collect();
        assert_eq!(
            kinds,
            [(AreaKind::Country, 1), (AreaKind::Region, 5), (AreaKind::Province, 11), (AreaKind::Christianso, 1)],
            "{file}"
        );
        let values = panel.series["rate"].values.clone();
        match &first {
            None => first = Some(values),
            Some(f) => assert!(
                f.iter().zip(&values).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
                "{file} differs from {}",
                files[0]
            ),
        }
    }
}

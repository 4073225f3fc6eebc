//! mpdta (county teen employment, 500 counties × 2003–2007) as the estimate command reads it,
//! shared by the reference tests of the staggered estimators.

use std::path::Path;

use frikommune::design::long::{LongSample, LongSpec, Treatment, long_sample};
use frikommune::ingest::polars_io::read_text_table;
use serde_json::Value;

/// mpdta less the county-years in `dropped` (county, year).
pub fn mpdta(dropped: &[(String, String)]) -> LongSample {
    let path = format!("{}/tests/fixtures/mpdta.csv", env!("CARGO_MANIFEST_DIR"));
    let table = read_text_table(Path::new(&path), b',').unwrap();
    let spec = LongSpec {
        unit: "countyreal",
        time: "year",
        outcome: "lemp",
        treatment: Treatment::Cohort("first.treat"),
        cluster: None,
    };
    let mut long = long_sample(&table, &path, &spec).unwrap();
    let (units, periods) = (long.units.clone(), long.periods.clone());
    for u in &mut long.sample.units {
        let county = &units[u.code as usize];
        u.obs.retain(|o| {
            let year = &periods[o.0.since(frikommune::design::long::ORIGIN) as usize];
            !dropped.iter().any(|(c, y)| c == county && y == year)
        });
    }
    long
}

/// A fixture's `dropped` list of [county, year] pairs (none when absent).
pub fn dropped(reference: &Value) -> Vec<(String, String)> {
    reference["dropped"]
        .as_array()
        .map(|d| d.iter().map(|p| (p[0].to_string(), p[1].to_string())).collect())
        .unwrap_or_default()
}

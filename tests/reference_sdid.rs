//! SDID, synthetic control and DiD as weighted double differences against synthdid-py (a line-by-
//! line port of R synthdid) on Proposition 99, from `tests/reference/make_sdid_fixtures.py`.

use frikommune::estimate::sdid::{Kind, fit};
use serde_json::Value;

#[test]
fn prop99_matches_synthdid() {
    let path = format!("{}/tests/fixtures/sdid_reference.json", env!("CARGO_MANIFEST_DIR"));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let y: Vec<Vec<f64>> = r["Y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
        .collect();
    let (n0, t0) = (r["N0"].as_u64().unwrap() as usize, r["T0"].as_u64().unwrap() as usize);
    for (key, kind) in [("sdid", Kind::Sdid), ("sc", Kind::Sc), ("did", Kind::Did)] {
        let f = fit(&y, n0, t0, kind).unwrap();
        let theirs = &r[key];
        let est = theirs["estimate"].as_f64().unwrap();
        assert!((f.estimate - est).abs() < 1e-6, "{key}: {} vs synthdid {est}", f.estimate);
        for (name, ours, reference) in [("omega", &f.omega, &theirs["omega"]), ("lambda", &f.lambda, &theirs["lambda"])]
        {
            let reference: Vec<f64> = reference.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(ours.len(), reference.len(), "{key} {name}");
            for (j, (a, b)) in ours.iter().zip(&reference).enumerate() {
                assert!((a - b).abs() < 1e-6, "{key} {name}[{j}]: {a} vs synthdid {b}");
            }
        }
    }
}

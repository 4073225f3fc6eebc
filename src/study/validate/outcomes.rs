//! `[tariffs]` and `[[outcomes]]`.

use std::collections::BTreeMap;

use super::{Problem, Validator};
use crate::study::{Better, Outcome, Tariff, Unit, raw};

impl Validator<'_> {
    pub(super) fn tariffs(&mut self, file: &raw::StudyFile) -> BTreeMap<String, Tariff> {
        let mut tariffs = BTreeMap::new();
        for (key, t) in &file.tariffs {
            let mut prices = BTreeMap::new();
            // The table's values carry no position: the problem points at the table's `prices`
            // line (or its header), found in the text.
            let (header, prices_line) = self.lines.table_key(&format!("tariffs.{key}"), "prices");
            for (year, price) in &t.prices {
                match year.parse::<i32>() {
                    Ok(y) if *price > 0.0 && price.is_finite() && (1900..=2100).contains(&y) => {
                        prices.insert(y, *price);
                    }
                    _ => self.problems.push(Problem {
                        line: prices_line,
                        column: 1,
                        key: format!("tariffs.{key}.prices"),
                        message: format!(
                            "expected `YEAR = positive price` with a year from 1900 to 2100, found `{year} = {price}`"
                        ),
                    }),
                }
            }
            // A price that was there but wrong is already a problem.
            if t.prices.is_empty() {
                self.problems.push(Problem {
                    line: header,
                    column: 1,
                    key: format!("tariffs.{key}"),
                    message: "a tariff needs at least one price".into(),
                });
            }
            tariffs.insert(key.clone(), Tariff { label: t.label.clone(), prices, yearly_index: t.yearly_index });
        }

        tariffs
    }

    pub(super) fn outcomes(&mut self, file: &raw::StudyFile, tariffs: &BTreeMap<String, Tariff>) -> Vec<Outcome> {
        let mut outcomes: Vec<Outcome> = Vec::new();
        for (i, o) in file.outcomes.iter().enumerate() {
            let key = format!("outcomes[{i}]");
            if outcomes.iter().any(|x| &x.key == o.key.get_ref()) {
                self.report(&o.key, format!("{key}.key"), format!("outcome `{}` is declared twice", o.key.get_ref()));
            }
            let unit = self.choice(
                &o.unit,
                &format!("{key}.unit"),
                &[("percent", Unit::Percent), ("weeks", Unit::Weeks), ("dkk", Unit::Dkk), ("count", Unit::Count)],
            );
            let better = self.choice(
                &o.better,
                &format!("{key}.better"),
                &[("higher", Better::Higher), ("lower", Better::Lower)],
            );
            if let Some(m) = &o.margin
                && m.get_ref().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            {
                self.report(m, format!("{key}.margin"), "expected a positive equivalence margin");
            }
            if let Some(p) = &o.price
                && !tariffs.contains_key(p.get_ref())
            {
                self.report(p, format!("{key}.price"), format!("no tariff `{}` in [tariffs]", p.get_ref()));
            }
            if let (Some(unit), Some(better)) = (unit, better) {
                outcomes.push(Outcome {
                    key: o.key.get_ref().clone(),
                    label: o.label.clone(),
                    label_en: o.label_en.clone().unwrap_or_else(|| o.label.clone()),
                    unit,
                    better,
                    margin: o.margin.as_ref().map(|m| *m.get_ref()),
                    n_column: o.n_column.clone(),
                    price: o.price.as_ref().map(|p| p.get_ref().clone()),
                });
            }
        }
        outcomes
    }
}

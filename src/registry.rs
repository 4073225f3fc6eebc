//! The municipality registry: codes, names, aliases, regions and population.
//!
//! Data files name municipalities by 3-digit code or by name, with spelling quirks
//! ("Vesthimmerlands"/"Vesthimmerland", "København"/"Copenhagen"). All of them resolve here to one
//! [`Code`]. The project's copy lives in `data/municipalities.csv` and is compiled in, so a study
//! needs no registry file unless it wants its own.

use std::collections::BTreeMap;

use serde::Serialize;

/// A municipality's 3-digit DST code (e.g. 851 Aalborg).
pub type Code = u16;

#[derive(Clone, Debug, Serialize)]
pub struct Municipality {
    pub code: Code,
    pub name: String,
    pub region: String,
    pub population: u32,
}

#[derive(Clone, Debug)]
pub struct Registry {
    municipalities: Vec<Municipality>,
    by_key: BTreeMap<String, Code>,
}

/// Why a municipality reference could not be resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum LookupError {
    Unknown {
        suggestion: Option<String>,
    },
    /// A combined area (`Frederikshavn/Læsø`) naming several municipalities.
    Ambiguous {
        names: Vec<String>,
    },
}

/// What an area cell in a statistical table names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Municipality(Code),
    /// The whole country, a region, a labour-market region (RAR) or another aggregate: not a
    /// row of a municipality panel.
    Aggregate,
    /// Left out on purpose (`[data] areas` maps it to "").
    Skip,
}

/// Area names that are aggregates, compared after [`normalise`].
const AGGREGATES: &[&str] = &[
    "hele landet",
    "landet i alt",
    "i alt",
    "total",
    "danmark",
    "denmark",
    "all denmark",
    "whole country",
    "christiansø",
    "uoplyst",
    "unknown",
];
/// Prefixes of aggregate area names.
const AGGREGATE_PREFIXES: &[&str] = &["rar ", "region ", "landsdel ", "kkr ", "province "];

const EMBEDDED: &str = include_str!("../data/municipalities.csv");

impl Registry {
    /// The registry compiled into the binary (98 municipalities).
    pub fn embedded() -> Registry {
        Registry::from_csv(EMBEDDED).expect("embedded registry is valid")
    }

    /// Reads `code,name,region,population[,aliases]`; aliases are separated by `|`.
    pub fn from_csv(text: &str) -> Result<Registry, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut municipalities = Vec::new();
        let mut by_key = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 2;
            let record = record.map_err(|e| format!("row {row}: {e}"))?;
            let field = |k: usize| record.get(k).unwrap_or("").trim();
            let code: Code = field(0)
                .parse()
                .map_err(|_| format!("row {row}, column code: expected a 3-digit code, found `{}`", field(0)))?;
            let population = field(3)
                .parse()
                .map_err(|_| format!("row {row}, column population: expected a whole number, found `{}`", field(3)))?;
            let name = field(1).to_string();
            by_key.insert(normalise(&name), code);
            by_key.insert(format!("{code:03}"), code);
            for alias in field(4).split('|').filter(|a| !a.trim().is_empty()) {
                by_key.insert(normalise(alias), code);
            }
            municipalities.push(Municipality { code, name, region: field(2).to_string(), population });
        }
        municipalities.sort_by_key(|m| m.code);
        Ok(Registry { municipalities, by_key })
    }

    pub fn all(&self) -> &[Municipality] {
        &self.municipalities
    }

    pub fn get(&self, code: Code) -> Option<&Municipality> {
        self.municipalities.binary_search_by_key(&code, |m| m.code).ok().map(|i| &self.municipalities[i])
    }

    pub fn name(&self, code: Code) -> &str {
        self.get(code).map(|m| m.name.as_str()).unwrap_or("?")
    }

    /// Resolves a code ("851", "0851") or a name/alias, case-insensitively, ignoring a trailing
    /// " Kommune".
    pub fn resolve(&self, text: &str) -> Result<Code, LookupError> {
        let t = text.trim();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(code) = t.parse::<Code>()
                && self.get(code).is_some()
            {
                return Ok(code);
            }
            return Err(LookupError::Unknown { suggestion: None });
        }
        let key = normalise(t);
        if let Some(&code) = self.by_key.get(&key) {
            return Ok(code);
        }
        Err(LookupError::Unknown { suggestion: self.nearest(&key) })
    }

    /// Classifies an area cell of a statistical table: a municipality, an aggregate to leave
    /// out (`Hele landet`, `Region Nordjylland`, `RAR Nordjylland`, Statbank's `000`,
    /// `081`–`085` and `411` Christiansø), or an error (unknown, or several municipalities).
    pub fn classify(&self, text: &str) -> Result<Area, LookupError> {
        let t = text.trim();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            return match t.parse::<u32>() {
                Ok(0 | 81..=85 | 411) => Ok(Area::Aggregate),
                _ => self.resolve(t).map(Area::Municipality),
            };
        }
        let key = normalise(t);
        if AGGREGATES.contains(&key.as_str()) || AGGREGATE_PREFIXES.iter().any(|p| key.starts_with(p)) {
            return Ok(Area::Aggregate);
        }
        if let Ok(code) = self.resolve(t) {
            return Ok(Area::Municipality(code));
        }
        let parts: Vec<&str> = t.split(['/', '&']).map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.len() > 1 && parts.iter().all(|p| self.resolve(p).is_ok()) {
            return Err(LookupError::Ambiguous { names: parts.iter().map(|p| p.to_string()).collect() });
        }
        self.resolve(t).map(Area::Municipality)
    }

    fn nearest(&self, key: &str) -> Option<String> {
        self.municipalities
            .iter()
            .map(|m| (edit_distance(key, &normalise(&m.name)), &m.name))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, name)| name.clone())
    }
}

fn normalise(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    lower.strip_suffix(" kommune").unwrap_or(&lower).trim().to_string()
}

/// Levenshtein distance over characters; used for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_has_98_municipalities_in_5_regions() {
        let r = Registry::embedded();
        assert_eq!(r.all().len(), 98);
        let regions: std::collections::BTreeSet<_> = r.all().iter().map(|m| m.region.as_str()).collect();
        assert_eq!(regions.len(), 5);
        assert!(r.get(411).is_none(), "Christiansø is not a municipality");
    }

    #[test]
    fn resolves_codes_names_and_aliases() {
        let r = Registry::embedded();
        assert_eq!(r.resolve("851"), Ok(851));
        assert_eq!(r.resolve("Brønderslev"), Ok(810));
        assert_eq!(r.resolve("vesthimmerland"), Ok(820));
        assert_eq!(r.resolve("Vesthimmerlands Kommune"), Ok(820));
        assert_eq!(r.resolve("Copenhagen"), Ok(101));
        assert_eq!(r.resolve("999"), Err(LookupError::Unknown { suggestion: None }));
        assert_eq!(r.resolve("Aalborgg"), Err(LookupError::Unknown { suggestion: Some("Aalborg".into()) }));
    }
}

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
    /// The whole country, a region, a labour-market region (RAR) or another area that is not
    /// one municipality: not a row of a municipality panel, left out with a note.
    Aggregate(AreaKind),
}

/// The kinds of area a municipality panel leaves out, each with its own note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// `Hele landet`, `All Denmark`, `000`.
    Country,
    /// The five regions (`081`–`085`).
    Region,
    /// Landsdele (`Province …` in DST's English tables).
    Province,
    /// Labour-market regions (`RAR …`) and KKR areas.
    LabourMarket,
    /// Christiansø (`411`): in DST's municipality tables, but administered by the state.
    Christianso,
    /// `Uoplyst`/`Unknown`: persons without a known municipality.
    Unknown,
    /// An area the study maps to "" in `[data] areas`.
    Mapped,
}

impl AreaKind {
    /// What the kind is, for notes: "the whole country", "regions", ….
    pub fn describe(self) -> &'static str {
        match self {
            AreaKind::Country => "the whole country",
            AreaKind::Region => "regions",
            AreaKind::Province => "provinces (landsdele)",
            AreaKind::LabourMarket => "labour-market regions and KKR areas",
            AreaKind::Christianso => "Christiansø, which is not a municipality",
            AreaKind::Unknown => "persons without a known municipality",
            AreaKind::Mapped => "areas that [data] areas leaves out",
        }
    }
}

/// Area names that are not one municipality, compared after [`normalise`].
const AGGREGATES: &[(&str, AreaKind)] = &[
    ("hele landet", AreaKind::Country),
    ("landet i alt", AreaKind::Country),
    ("i alt", AreaKind::Country),
    ("total", AreaKind::Country),
    ("danmark", AreaKind::Country),
    ("denmark", AreaKind::Country),
    ("all denmark", AreaKind::Country),
    ("whole country", AreaKind::Country),
    ("christiansoe", AreaKind::Christianso),
    ("christianso", AreaKind::Christianso),
    ("uoplyst", AreaKind::Unknown),
    ("unknown", AreaKind::Unknown),
    ("uoplyst kommune", AreaKind::Unknown),
];
/// Prefixes of names of areas that are not one municipality, compared after [`normalise`].
const AGGREGATE_PREFIXES: &[(&str, AreaKind)] = &[
    ("rar ", AreaKind::LabourMarket),
    ("kkr ", AreaKind::LabourMarket),
    ("region ", AreaKind::Region),
    ("landsdel ", AreaKind::Province),
    ("province ", AreaKind::Province),
];

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

    /// Adds names that stand for a municipality (the study's `[data] areas`), so every file —
    /// panel, statistical tables, case files — and the study itself resolve them alike.
    pub fn add_aliases<'a>(&mut self, aliases: impl IntoIterator<Item = (&'a str, Code)>) {
        for (name, code) in aliases {
            if self.get(code).is_some() {
                self.by_key.insert(normalise(name), code);
            }
        }
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

    /// Resolves a code ("851", "0851") or a name/alias: case, whitespace, hyphens, a trailing
    /// "Kommune" or "Municipality", and æ/ø/å written as ae/oe/aa do not matter ("Laesoe",
    /// "hoeje taastrup kommune").
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

    /// Classifies an area cell of a data file: a municipality, an area to leave out
    /// (`Hele landet`, `Region Nordjylland`, `Province Fyn`, `RAR Nordjylland`, Christiansø,
    /// Statbank's `000`, `081`–`085` and `411`), or an error (unknown, or several
    /// municipalities).
    pub fn classify(&self, text: &str) -> Result<Area, LookupError> {
        let t = text.trim();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            return match t.parse::<u32>() {
                Ok(0) => Ok(Area::Aggregate(AreaKind::Country)),
                Ok(81..=85) => Ok(Area::Aggregate(AreaKind::Region)),
                Ok(411) => Ok(Area::Aggregate(AreaKind::Christianso)),
                _ => self.resolve(t).map(Area::Municipality),
            };
        }
        let key = normalise(t);
        if let Some((_, kind)) = AGGREGATES.iter().find(|(name, _)| *name == key) {
            return Ok(Area::Aggregate(*kind));
        }
        if let Some((_, kind)) = AGGREGATE_PREFIXES.iter().find(|(prefix, _)| key.starts_with(prefix)) {
            return Ok(Area::Aggregate(*kind));
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

/// The key a name is looked up by: lower case, æ/ø/å (and ä/ö/é) folded to ae/oe/aa (a, o,
/// e), hyphens and runs of whitespace as one space, without a trailing "kommune" or
/// "municipality" — so "Høje-Taastrup Kommune", "hoeje taastrup" and "Hoeje-Taastrup" meet.
fn normalise(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.trim().to_lowercase().chars() {
        match c {
            'æ' | 'ä' => folded.push_str("ae"),
            'ø' | 'ö' => folded.push_str("oe"),
            'å' => folded.push_str("aa"),
            'é' | 'è' => folded.push('e'),
            '-' | '_' | '.' => folded.push(' '),
            c => folded.push(c),
        }
    }
    let words: Vec<&str> = folded.split_whitespace().collect();
    let words = match words.as_slice() {
        [rest @ .., "kommune" | "municipality"] if !rest.is_empty() => rest,
        all => all,
    };
    words.join(" ")
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
        assert_eq!(r.resolve("Laesoe"), Ok(825));
        assert_eq!(r.resolve("  laesoe  kommune "), Ok(825));
        assert_eq!(r.resolve("Hoeje-Taastrup"), Ok(169));
        assert_eq!(r.resolve("Høje Taastrup Kommune"), Ok(169));
        assert_eq!(r.resolve("Aabenraa"), Ok(580));
        assert_eq!(r.resolve("Åbenrå"), Ok(580));
        assert_eq!(r.resolve("Lyngby-Taarbæk Municipality"), Ok(173));
        assert_eq!(r.resolve("0851"), Ok(851));
        assert_eq!(r.resolve("999"), Err(LookupError::Unknown { suggestion: None }));
        assert_eq!(r.resolve("Aalborgg"), Err(LookupError::Unknown { suggestion: Some("Aalborg".into()) }));
    }

    #[test]
    fn areas_that_are_not_municipalities_are_classified_by_kind() {
        let r = Registry::embedded();
        let kind = |t: &str| r.classify(t);
        assert_eq!(kind("All Denmark"), Ok(Area::Aggregate(AreaKind::Country)));
        assert_eq!(kind("Hele landet"), Ok(Area::Aggregate(AreaKind::Country)));
        assert_eq!(kind("000"), Ok(Area::Aggregate(AreaKind::Country)));
        assert_eq!(kind("Region Nordjylland"), Ok(Area::Aggregate(AreaKind::Region)));
        assert_eq!(kind("084"), Ok(Area::Aggregate(AreaKind::Region)));
        assert_eq!(kind("Province Byen København"), Ok(Area::Aggregate(AreaKind::Province)));
        assert_eq!(kind("Landsdel Fyn"), Ok(Area::Aggregate(AreaKind::Province)));
        assert_eq!(kind("RAR Nordjylland"), Ok(Area::Aggregate(AreaKind::LabourMarket)));
        assert_eq!(kind("Christiansø"), Ok(Area::Aggregate(AreaKind::Christianso)));
        assert_eq!(kind("411"), Ok(Area::Aggregate(AreaKind::Christianso)));
        assert_eq!(kind("Læsø"), Ok(Area::Municipality(825)));
        assert!(matches!(kind("Frederikshavn/Læsø"), Err(LookupError::Ambiguous { .. })));
    }
}

//! The data-generating model.

use std::io::Write as _;

use chrono::{Datelike, Duration, NaiveDate};

use super::truth::{self, Truth};
use super::{SimulateError, keys};
use crate::ingest::{Panel, Series};
use crate::period::{Month, MonthRange};
use crate::registry::{Code, Municipality};
use crate::rng::Stream;
use crate::study::{EffectSize, Simulation, Study};

/// One case: a JAF spell, or a rehabilitation case with the LÆ 265 certificates requested in it.
#[derive(Clone, Debug)]
pub struct Spell {
    pub case_id: u64,
    pub municipality: Code,
    /// [`JAF_CASE`] or [`CERTIFICATE_CASE`].
    pub kind: &'static str,
    pub start: NaiveDate,
    /// `None` when still open at the end of the simulated period.
    pub end: Option<NaiveDate>,
    /// LÆ 265 certificates requested in the case (0 for JAF spells).
    pub certificates: u32,
}

/// Case types in the simulated case file.
pub const JAF_CASE: &str = "jaf";
pub const CERTIFICATE_CASE: &str = "rehabilitering";
/// The certificate type written in the case file: the label of the study's LÆ 265 tariff.
pub const CERTIFICATE_TYPE: &str = "LÆ 265";
/// The case file's header.
pub const CASES_HEADER: &str = "case_id,municipality,case_type,start,end,certificates,certificate_type";

/// Everything the simulator produces. `panel` is the observed data; `counterfactual` the same
/// panel had no trial taken place.
pub struct Simulated {
    pub panel: Panel,
    pub counterfactual: Panel,
    pub spells: Vec<Spell>,
    pub truth: Truth,
}

// Purposes of the per-municipality streams.
const LEVELS: u64 = 0;
const EMPLOYMENT: u64 = 1;
const SUPPORT: u64 = 2;
const JAF: u64 = 3;
const CERTIFICATES: u64 = 4;
const CERTIFICATE_CASES: u64 = 6;

fn stream(sim: &Simulation, code: Code, purpose: u64) -> Stream {
    Stream::new(sim.seed, code as u64 * 16 + purpose)
}

fn region_shift(region: &str, hovedstaden: f64, midt: f64, syd: f64, sjaelland: f64, nord: f64) -> f64 {
    match region {
        "Region Hovedstaden" => hovedstaden,
        "Region Midtjylland" => midt,
        "Region Syddanmark" => syd,
        "Region Sjælland" => sjaelland,
        "Region Nordjylland" => nord,
        _ => 0.0,
    }
}

/// Size of the COVID shock in a month, 0..1 (1 = the spring 2020 lockdown at its deepest).
fn covid_shock(m: Month) -> f64 {
    match (m.year(), m.month()) {
        (2020, 3) => 0.5,
        (2020, 4) => 1.0,
        (2020, 5) => 0.8,
        (2020, 6) => 0.5,
        (2020, 7) => 0.3,
        (2020, 8) => 0.2,
        (2020, 9) => 0.1,
        (2020, 12) | (2021, 3) => 0.25,
        (2021, 1) | (2021, 2) => 0.35,
        (2021, 4) => 0.15,
        _ => 0.0,
    }
}

/// The ramp of an effect: 1/ramp in the first treated month, full strength after `ramp` months.
fn ramp(months_since_start: i32, ramp_months: u32) -> f64 {
    if months_since_start < 0 { 0.0 } else { ((months_since_start + 1) as f64 / ramp_months as f64).min(1.0) }
}

/// Effect sizes by outcome for one municipality and month: (additive sum, relative sum).
struct Effects<'a> {
    study: &'a Study,
    sim: &'a Simulation,
}

impl Effects<'_> {
    /// Sum of additive and of relative effects on `outcome` in `code` at month `m`, with the
    /// relative effects of certificate components scaled by `kappa`.
    fn at(&self, code: Code, m: Month, outcome: &str, kappa: f64) -> (f64, f64) {
        let mut add = 0.0;
        let mut rel = 0.0;
        for e in self.sim.effects.iter().filter(|e| e.outcome == outcome) {
            let comp = &self.study.trials[e.trial].components[e.component];
            let Some(p) = comp.participants.iter().find(|p| p.code == code) else { continue };
            if m > Month::of(comp.end) {
                continue;
            }
            let r = ramp(m.since(Month::of(p.start)), e.ramp_months);
            let scale = if self.sim.certificate_components.contains(&(e.trial, e.component)) { kappa } else { 1.0 };
            match e.size {
                EffectSize::Additive(a) => add += a * r,
                EffectSize::Relative(x) => rel += x * r * scale,
            }
        }
        (add, rel)
    }

    /// Whether `m` lies in the evaluation window of a certificate component that `code` joins.
    fn in_certificate_window(&self, code: Code, m: Month) -> bool {
        self.sim.certificate_components.iter().any(|&(t, c)| {
            let trial = &self.study.trials[t];
            let comp = &trial.components[c];
            comp.participants.iter().any(|p| p.code == code && Month::of(p.start) <= m)
                && m <= Month::of(trial.evaluation_end.min(comp.end))
        })
    }
}

pub fn simulate(study: &Study) -> Result<Simulated, SimulateError> {
    let sim = study.simulation.as_ref().ok_or(SimulateError::NoSimulation)?;
    for key in keys::ALL {
        if study.outcome(key).is_none() {
            return Err(SimulateError::Undeclared(key));
        }
    }
    let tariff = study
        .outcome(keys::CERTIFICATE_COST)
        .and_then(|o| o.price.as_ref())
        .and_then(|p| study.tariffs.get(p))
        .ok_or(SimulateError::NoTariff(keys::CERTIFICATE_COST))?;
    let months = MonthRange { first: sim.first, last: sim.last };
    let units: Vec<&Municipality> = study.registry.all().iter().collect();
    let codes: Vec<Code> = units.iter().map(|m| m.code).collect();
    let nm = months.len();
    let cells = units.len() * nm;
    let effects = Effects { study, sim };

    let mut factual: Vec<Vec<f64>> = vec![vec![f64::NAN; cells]; keys::ALL.len()];
    let mut counter: Vec<Vec<f64>> = vec![vec![f64::NAN; cells]; keys::ALL.len()];
    let mut jaf_n = vec![f64::NAN; cells];
    let mut jaf_n0 = vec![f64::NAN; cells];
    let mut spells = Vec::new();

    // Certificates: expected counts first, to calibrate the certificate effects (κ) so that the
    // true saving over the certificate trials' evaluation windows hits the target.
    let mut cert_mu = vec![0.0; cells];
    for (u, m) in units.iter().enumerate() {
        let mut s = stream(sim, m.code, LEVELS);
        let level = (0.15 * s.normal()).exp();
        for (t, month) in months.first.through(months.last).enumerate() {
            let season = match month.month() {
                7 => 0.7,
                12 => 0.85,
                8 => 0.9,
                _ => 1.0,
            };
            let trend = 1.0 + 0.01 * (month.year() - 2014) as f64;
            cert_mu[u * nm + t] =
                1.0e-3 * m.population as f64 * level * season * trend * (1.0 - 0.4 * covid_shock(month));
        }
    }
    let kappa = match sim.certificate_savings_dkk {
        Some(target) => {
            let mut unit_saving = 0.0;
            for (u, m) in units.iter().enumerate() {
                for (t, month) in months.first.through(months.last).enumerate() {
                    if effects.in_certificate_window(m.code, month) {
                        let (_, rel) = effects.at(m.code, month, keys::CERTIFICATES, 1.0);
                        unit_saving += -rel * cert_mu[u * nm + t] * tariff.price(month.year());
                    }
                }
            }
            if unit_saving <= 0.0 {
                return Err(SimulateError::NoCertificateCut(keys::CERTIFICATES));
            }
            target / unit_saving
        }
        None => 1.0,
    };
    let mut savings = 0.0;
    let mut savings_by_municipality = std::collections::BTreeMap::new();

    let mut case_id = 0u64;
    // Spells of participants in a component with a JAF-duration effect that start inside its
    // evaluation window: their mean true change in duration (weeks) is the spell-level truth.
    let jaf_windows: Vec<(Code, Month, Month)> = sim
        .effects
        .iter()
        .filter(|e| e.outcome == keys::JAF_DURATION)
        .flat_map(|e| {
            let trial = &study.trials[e.trial];
            let comp = &trial.components[e.component];
            let last = Month::of(trial.evaluation_end.min(comp.end));
            comp.participants.iter().map(move |p| (p.code, Month::of(p.start), last))
        })
        .collect();
    let (mut jaf_change, mut jaf_treated) = (0.0, 0usize);
    for (u, m) in units.iter().enumerate() {
        let pop = m.population as f64;
        let size = (pop / 50_000.0).ln();
        let noise_scale = (50_000.0 / pop).sqrt().clamp(0.35, 5.0);
        let mut levels = stream(sim, m.code, LEVELS);
        let _ = levels.normal(); // the certificate level drawn above

        // Employment rate 16–64 (percent).
        let mut s = stream(sim, m.code, EMPLOYMENT);
        let base = (74.0 + 1.2 * size + region_shift(&m.region, 0.8, 1.0, 0.0, -0.6, -1.2) + 2.0 * levels.normal())
            .clamp(63.0, 80.0);
        let slope = 0.25 + 0.06 * s.normal();
        let mut ar = 0.0;
        for (t, month) in months.first.through(months.last).enumerate() {
            ar = 0.8 * ar + 0.12 * noise_scale * s.normal();
            let years = t as f64 / 12.0;
            let season = 0.4 * (2.0 * std::f64::consts::PI * (month.month() as f64 - 4.0) / 12.0).sin();
            let y0 = base + slope * years + season - 1.6 * covid_shock(month) + ar;
            let (add, _) = effects.at(m.code, month, keys::EMPLOYMENT, kappa);
            counter[0][u * nm + t] = round(y0.clamp(0.0, 100.0), 2);
            factual[0][u * nm + t] = round((y0 + add).clamp(0.0, 100.0), 2);
        }

        // Share of 17–64-year-olds on public support (percent).
        let mut s = stream(sim, m.code, SUPPORT);
        let base = (18.0 - 1.0 * size + region_shift(&m.region, -1.2, -0.5, 0.5, 1.2, 1.5) + 2.2 * levels.normal())
            .clamp(11.0, 28.0);
        let slope = -0.25 + 0.05 * s.normal();
        let mut ar = 0.0;
        for (t, month) in months.first.through(months.last).enumerate() {
            ar = 0.8 * ar + 0.10 * noise_scale * s.normal();
            let years = t as f64 / 12.0;
            let season = 0.3 * (2.0 * std::f64::consts::PI * (month.month() as f64 - 1.0) / 12.0).cos();
            let y0 = base + slope * years + season + 1.2 * covid_shock(month) + ar;
            let (add, _) = effects.at(m.code, month, keys::SUPPORT, kappa);
            counter[1][u * nm + t] = round(y0.clamp(0.0, 100.0), 2);
            factual[1][u * nm + t] = round((y0 + add).clamp(0.0, 100.0), 2);
        }

        // JAF spells from 2013 (the reform that created them); durations of completed spells.
        let mut s = stream(sim, m.code, JAF);
        let median_weeks = 40.0 * (0.12 * levels.normal()).exp();
        let inflow = sim.jaf_inflow_per_1000 * pop / 1000.0;
        let reform = Month::new(2013, 1).expect("valid").max(months.first.plus(-24));
        let mut ended: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); nm];
        let last_day = months.last.last_day();
        for month in reform.through(months.last) {
            let covid_flow = match (month.year(), month.month()) {
                (2020, 11) | (2020, 12) | (2021, 1) => 0.6,
                (2021, 2) | (2021, 3) | (2021, 4) => 1.4,
                _ => 1.0,
            };
            let season = if month.month() == 7 { 0.75 } else { 1.0 };
            let k = s.poisson(inflow * covid_flow * season);
            let days = month.last_day().day() as f64;
            for _ in 0..k {
                let start = month.first_day() + Duration::days((s.uniform() * days) as i64);
                let d0 = (median_weeks.ln() + 0.55 * s.normal()).exp().max(4.0);
                let (_, rel) = effects.at(m.code, month, keys::JAF_DURATION, kappa);
                let d1 = d0 * (1.0 + rel).max(0.2);
                let end1 = start + Duration::days((d1 * 7.0).round() as i64);
                let end0 = start + Duration::days((d0 * 7.0).round() as i64);
                let weeks = |a: NaiveDate, b: NaiveDate| (b - a).num_days() as f64 / 7.0;
                if Month::of(start) >= months.first
                    && jaf_windows.iter().any(|&(c, a, b)| c == m.code && month >= a && month <= b)
                {
                    jaf_change += weeks(end0, end1);
                    jaf_treated += 1;
                }
                for (end, slot) in [(end1, 0usize), (end0, 1)] {
                    let em = Month::of(end);
                    if months.contains(em) && end <= last_day {
                        let t = em.since(months.first) as usize;
                        let list = if slot == 0 { &mut ended[t].0 } else { &mut ended[t].1 };
                        list.push(weeks(start, end));
                    }
                }
                if Month::of(start) >= months.first {
                    case_id += 1;
                    spells.push(Spell {
                        case_id,
                        municipality: m.code,
                        kind: JAF_CASE,
                        start,
                        end: (end1 <= last_day).then_some(end1),
                        certificates: 0,
                    });
                }
            }
        }
        for (t, (f, c)) in ended.iter().enumerate() {
            let mean = |v: &[f64]| (!v.is_empty()).then(|| round(v.iter().sum::<f64>() / v.len() as f64, 1));
            factual[2][u * nm + t] = mean(f).unwrap_or(f64::NAN);
            counter[2][u * nm + t] = mean(c).unwrap_or(f64::NAN);
            jaf_n[u * nm + t] = f.len() as f64;
            jaf_n0[u * nm + t] = c.len() as f64;
        }

        // LÆ 265 certificates and their cost. The trial removes a deterministic share of the
        // counterfactual count (with a carried remainder so totals are exact in expectation).
        let mut s = stream(sim, m.code, CERTIFICATES);
        let mut carry = 0.0;
        for (t, month) in months.first.through(months.last).enumerate() {
            let mu = cert_mu[u * nm + t];
            let y0 = s.poisson(mu) as f64;
            let (_, rel) = effects.at(m.code, month, keys::CERTIFICATES, kappa);
            let want = -rel * mu + carry;
            let removed = want.floor().clamp(0.0, y0);
            carry = want - removed;
            let y1 = y0 - removed;
            let price = tariff.price(month.year());
            counter[3][u * nm + t] = y0;
            factual[3][u * nm + t] = y1;
            counter[4][u * nm + t] = round(y0 * price, 0);
            factual[4][u * nm + t] = round(y1 * price, 0);
            if effects.in_certificate_window(m.code, month) {
                let saved = counter[4][u * nm + t] - factual[4][u * nm + t];
                savings += saved;
                *savings_by_municipality.entry(m.code).or_insert(0.0) += saved;
            }
        }

        // The same certificates case by case: each month's count split into rehabilitation
        // cases of 1 + Poisson(2) certificates, dated by the case start.
        let mut s = stream(sim, m.code, CERTIFICATE_CASES);
        for (t, month) in months.first.through(months.last).enumerate() {
            let mut left = factual[3][u * nm + t] as u32;
            let days = month.last_day().day() as f64;
            while left > 0 {
                let k = (1 + s.poisson(2.0) as u32).min(left);
                left -= k;
                let start = month.first_day() + Duration::days((s.uniform() * days) as i64);
                let end = start + Duration::days((7.0 * (4.0 + 26.0 * s.uniform())).round() as i64);
                case_id += 1;
                spells.push(Spell {
                    case_id,
                    municipality: m.code,
                    kind: CERTIFICATE_CASE,
                    start,
                    end: (end <= last_day).then_some(end),
                    certificates: k,
                });
            }
        }
    }

    let make_panel = |values: Vec<Vec<f64>>, n: Vec<f64>| {
        let mut series = std::collections::BTreeMap::new();
        for (k, v) in keys::ALL.iter().zip(values) {
            let n = (*k == keys::JAF_DURATION).then(|| n.clone());
            let suppressed = vec![false; v.len()];
            series.insert(k.to_string(), Series { values: v, n, suppressed });
        }
        Panel {
            months,
            units: codes.clone(),
            series,
            provisional: Default::default(),
            frequencies: Default::default(),
            left_out: Vec::new(),
        }
    };
    let panel = make_panel(factual, jaf_n);
    let counterfactual = make_panel(counter, jaf_n0);
    let mut truth = truth::compute(study, sim, &panel, &counterfactual, kappa, savings, savings_by_municipality)?;
    truth.jaf_spell_effect_weeks = (jaf_treated > 0).then(|| jaf_change / jaf_treated as f64);
    Ok(Simulated { panel, counterfactual, spells, truth })
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Spells per generated block: each block draws from its own ChaCha stream, so the file is the
/// same for any number of threads.
const CASE_BLOCK: u64 = 1 << 18;

/// Writes `n` synthetic cases to `out` (CSV with [`CASES_HEADER`]), for benchmarks at register
/// scale: 70 % JAF spells, 30 % rehabilitation cases with 1 + Poisson(2) LÆ 265 certificates.
/// Municipalities are drawn in proportion to population, starts uniformly over the simulated
/// period, JAF durations log-normal around each municipality's median with the study's
/// JAF-duration effects (ramp included) for participants after their start, rehabilitation
/// cases 4–30 weeks; cases still running at the end of the period are open. Blocks are drawn in parallel and
/// written in order; memory holds a few blocks of text.
pub fn write_cases(
    study: &Study,
    n: u64,
    out: &mut impl std::io::Write,
    progress: &dyn crate::pipeline::Progress,
) -> Result<u64, SimulateError> {
    use rayon::prelude::*;
    let sim = study.simulation.as_ref().ok_or(SimulateError::NoSimulation)?;
    let effects = Effects { study, sim };
    let units: Vec<&Municipality> = study.registry.all().iter().collect();
    let total_pop: f64 = units.iter().map(|m| m.population as f64).sum();
    let mut cumulative = Vec::with_capacity(units.len());
    let mut acc = 0.0;
    for m in &units {
        acc += m.population as f64 / total_pop;
        cumulative.push(acc);
    }
    let medians: Vec<f64> = units.iter().map(|m| 40.0 * (0.12 * stream(sim, m.code, 5).normal()).exp()).collect();
    let (first_day, last_day) = (sim.first.first_day(), sim.last.last_day());
    let span_days = (last_day - first_day).num_days() as f64 + 1.0;
    // Dates as text, once: every day from the first start to 60 years on.
    let dates: Vec<String> = (0..(366 * 60)).map(|d| (first_day + Duration::days(d)).to_string()).collect();
    out.write_all(format!("{CASES_HEADER}\n").as_bytes())?;
    let blocks = n.div_ceil(CASE_BLOCK);
    progress.stage("simulating cases", blocks);
    let mut next = 0u64;
    while next < blocks {
        // A batch of blocks per round keeps memory bounded while both cores work.
        let batch: Vec<u64> = (next..blocks.min(next + 8)).collect();
        let texts: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|&b| {
                let mut s = Stream::new(sim.seed, 1 << 40 | b);
                let count = CASE_BLOCK.min(n - b * CASE_BLOCK);
                let mut text = Vec::with_capacity(count as usize * 40);
                for k in 0..count {
                    let u = s.uniform();
                    let j = cumulative.partition_point(|c| *c < u).min(units.len() - 1);
                    let offset = (s.uniform() * span_days) as i64;
                    let start = first_day + Duration::days(offset);
                    let certificate_case = s.uniform() < 0.3;
                    let weeks = if certificate_case {
                        4.0 + 26.0 * s.uniform()
                    } else {
                        let (_, rel) = effects.at(units[j].code, Month::of(start), keys::JAF_DURATION, 1.0);
                        (medians[j].ln() + 0.55 * s.normal()).exp().max(4.0) * (1.0 + rel).max(0.2)
                    };
                    let end = offset + (weeks * 7.0).round() as i64;
                    let end_text =
                        if first_day + Duration::days(end) <= last_day { dates[end as usize].as_str() } else { "" };
                    let (kind, certificates) = if certificate_case {
                        (CERTIFICATE_CASE, format!("{},{CERTIFICATE_TYPE}", 1 + s.poisson(2.0)))
                    } else {
                        (JAF_CASE, ",".to_string())
                    };
                    let _ = writeln!(
                        text,
                        "{},{},{kind},{},{end_text},{certificates}",
                        b * CASE_BLOCK + k + 1,
                        units[j].code,
                        dates[offset as usize]
                    );
                }
                text
            })
            .collect();
        for t in texts {
            out.write_all(&t)?;
            progress.advance();
        }
        next += batch.len() as u64;
    }
    out.flush()?;
    progress.finish();
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_reaches_full_strength() {
        assert_eq!(ramp(-1, 12), 0.0);
        assert!((ramp(0, 12) - 1.0 / 12.0).abs() < 1e-12);
        assert_eq!(ramp(11, 12), 1.0);
        assert_eq!(ramp(40, 12), 1.0);
    }
}

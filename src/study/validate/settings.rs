//! `[inference]`, `[confidentiality]`, `[covid]` and `[[events]]`: every setting in its range.

use toml::Spanned;

use super::Validator;
use crate::estimate::cs::Control;
use crate::inference::cluster::SmallSample;
use crate::settings::{self, Level, MinCell, Reps};
use crate::study::{Covid, CovidHandling, DateWindow, Event, raw};

/// The inference and confidentiality settings, each in its range.
pub(super) struct Settings {
    pub conf_level: Level,
    pub seed: u64,
    pub reps: Reps,
    pub event_leads: u32,
    pub event_lags: u32,
    pub band_reps: Reps,
    pub ssc: SmallSample,
    pub cs_control: Control,
    pub cs_unbalanced: crate::estimate::cs::Unbalanced,
    pub cs_covariates: Vec<String>,
    pub event_base: crate::estimate::event::EventBase,
    pub sdid_reps: u32,
    pub min_cell: MinCell,
    pub strata: Vec<crate::study::Stratum>,
}

impl Validator<'_> {
    pub(super) fn settings(&mut self, file: &raw::StudyFile) -> Settings {
        let conf_level = match &file.inference.conf_level {
            Some(c) => Level::new(*c.get_ref()).unwrap_or_else(|e| {
                self.report(c, "inference.conf_level", e.to_string());
                Level::P95
            }),
            None => Level::P95,
        };
        let reps = match &file.inference.reps {
            Some(r) => Reps::new(*r.get_ref()).unwrap_or_else(|e| {
                self.report(r, "inference.reps", e.to_string());
                Reps::DEFAULT
            }),
            None => Reps::DEFAULT,
        };
        let mut whole =
            |v: &Option<Spanned<i64>>, key: &str, range: std::ops::RangeInclusive<i64>, default: i64| match v {
                Some(x) if !range.contains(x.get_ref()) => {
                    self.report(
                        x,
                        format!("inference.{key}"),
                        format!("expected a whole number from {} to {}", range.start(), range.end()),
                    );
                    default as u32
                }
                Some(x) => *x.get_ref() as u32,
                None => default as u32,
            };
        let event_leads = whole(&file.inference.event_leads, "event_leads", 1..=240, 12);
        let event_lags = whole(&file.inference.event_lags, "event_lags", 0..=240, 24);
        let band_reps = whole(&file.inference.band_reps, "band_reps", 99..=100_000, 999);
        let sdid_reps = whole(&file.inference.sdid_reps, "sdid_reps", 2..=100_000, 200);
        let ssc = match &file.inference.ssc {
            Some(s) => self.choice(s, "inference.ssc", settings::SSC).unwrap_or_default(),
            None => SmallSample::Fixest,
        };
        let cs_control = match &file.inference.cs_control {
            Some(s) => self.choice(s, "inference.cs_control", settings::CONTROL).unwrap_or(Control::Never),
            None => Control::Never,
        };
        let cs_unbalanced = match &file.inference.cs_unbalanced {
            Some(s) => self.choice(s, "inference.cs_unbalanced", settings::UNBALANCED).unwrap_or_default(),
            None => Default::default(),
        };
        // The named covariates, or another outcome's pre-period mean.
        let mut allowed: Vec<String> = crate::study::CS_COVARIATES.iter().map(|c| c.to_string()).collect();
        allowed.extend(file.outcomes.iter().map(|o| o.key.get_ref().clone()));
        let mut cs_covariates = Vec::new();
        for (i, c) in file.inference.cs_covariates.iter().enumerate() {
            if !allowed.contains(c.get_ref()) {
                let hint = super::nearest(c.get_ref(), &allowed);
                self.report(
                    c,
                    format!("inference.cs_covariates[{i}]"),
                    format!(
                        "`{}` is not a covariate: expected {} or an outcome key{hint}",
                        c.get_ref(),
                        crate::study::CS_COVARIATES.join(", ")
                    ),
                );
            } else if !cs_covariates.contains(c.get_ref()) {
                cs_covariates.push(c.get_ref().clone());
            }
        }
        let event_base = match &file.inference.event_base {
            Some(s) => self.choice(s, "inference.event_base", settings::EVENT_BASE).unwrap_or_default(),
            None => Default::default(),
        };
        let min_cell = match &file.confidentiality.min_cell {
            Some(n) => MinCell::new(*n.get_ref()).unwrap_or_else(|e| {
                self.report(n, "confidentiality.min_cell", e.to_string());
                MinCell::DST
            }),
            None => MinCell::DST,
        };

        let mut strata = Vec::new();
        for s in &file.inference.strata {
            use crate::study::Stratum;
            match Stratum::parse(s.get_ref()) {
                Some(x) if !strata.contains(&x) => strata.push(x),
                Some(_) => {}
                None => self.report(
                    s,
                    "inference.strata",
                    format!(
                        "expected `region`, `size` (three size classes) or `size:K` with K from 2 to {}, found `{}`",
                        Stratum::MAX_SIZE_CLASSES,
                        s.get_ref()
                    ),
                ),
            }
        }

        Settings {
            strata,
            conf_level,
            seed: file.inference.seed.unwrap_or(1),
            reps,
            event_leads,
            event_lags,
            band_reps: Reps::new(band_reps.into()).unwrap_or(Reps::BAND),
            ssc,
            cs_control,
            cs_unbalanced,
            cs_covariates,
            event_base,
            sdid_reps,
            min_cell,
        }
    }

    pub(super) fn covid(&mut self, file: &raw::StudyFile) -> Option<Covid> {
        let handling = match &file.covid.handling {
            Some(h) => self.choice(
                h,
                "covid.handling",
                &[("include", CovidHandling::Include), ("exclude", CovidHandling::Exclude)],
            ),
            None => Some(CovidHandling::Include),
        };
        let mut windows = Vec::new();
        for (i, w) in file.covid.windows.iter().enumerate() {
            let key = format!("covid.windows[{i}]");
            let (s, e) = (self.date(&w.start, &format!("{key}.start")), self.date(&w.end, &format!("{key}.end")));
            if let (Some(start), Some(end)) = (s, e) {
                if end < start {
                    self.report(
                        &w.end,
                        format!("{key}.end"),
                        format!("the window ends ({end}) before it starts ({start})"),
                    );
                }
                windows.push(DateWindow { start, end, label: w.label.clone().unwrap_or_else(|| "COVID-19".into()) });
            }
        }
        Some(Covid { handling: handling?, windows })
    }

    pub(super) fn events(&mut self, file: &raw::StudyFile) -> Vec<Event> {
        let mut events = Vec::new();
        for (i, ev) in file.events.iter().enumerate() {
            if let Some(date) = self.date(&ev.date, &format!("events[{i}].date")) {
                let label_en = ev.label_en.clone().unwrap_or_else(|| ev.label.clone());
                events.push(Event { date, label: ev.label.clone(), label_en });
            }
        }

        events
    }
}

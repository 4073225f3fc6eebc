//! What the documents say beside the findings: trials that cannot be evaluated yet, and the
//! areas the data held that are not municipalities. Every document renders these lists.

use super::view::{date_text, outcome, outcome_label};
use crate::locale;
use crate::results::Results;
use crate::study::Lang;
use crate::wording;

/// One sentence per trial component × outcome that starts after the data end.
pub fn pending_view(r: &Results, lang: Lang) -> Vec<String> {
    r.pending
        .iter()
        .map(|p| {
            let trial = r.trials.iter().find(|t| t.key == p.trial);
            let component = trial.and_then(|t| t.components.iter().find(|c| c.key == p.component));
            let mut args = vec![
                (
                    "trial",
                    trial.map_or_else(
                        || p.trial.clone(),
                        |t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() },
                    ),
                ),
                ("component", component.map_or_else(|| p.component.clone(), |c| c.name(lang).to_string())),
                ("outcome", outcome_label(outcome(r, &p.outcome), &p.outcome, lang)),
                ("data_end", locale::period(p.data_end, p.frequency, lang)),
                ("start", date_text(&p.start, lang)),
            ];
            let key = match component
                .and_then(|c| c.participants.iter().find(|x| x.start == p.start && p.who != "the trial"))
            {
                Some(x) => {
                    args.push(("name", x.name.clone()));
                    "pending_participant"
                }
                None => "pending_trial",
            };
            wording::text(key, lang, &args)
        })
        .collect()
}

/// One sentence per kind of area the data files held that is not a municipality.
pub fn data_notes(r: &Results, lang: Lang) -> Vec<String> {
    use crate::registry::AreaKind;
    r.study
        .left_out
        .iter()
        .map(|n| {
            let key = match n.kind {
                AreaKind::Country => "left_out_country",
                AreaKind::Region => "left_out_region",
                AreaKind::Province => "left_out_province",
                AreaKind::LabourMarket => "left_out_labour_market",
                AreaKind::Christianso => "left_out_christianso",
                AreaKind::Unknown => "left_out_unknown",
                AreaKind::Mapped => "left_out_mapped",
            };
            let names = n.names.iter().map(|s| crate::ingest::shown(s)).collect::<Vec<_>>().join(", ");
            wording::text(key, lang, &[("file", n.file.clone()), ("names", names)])
        })
        .collect()
}

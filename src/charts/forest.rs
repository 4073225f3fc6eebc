//! Forest plot of the findings: one panel per outcome (each on its own scale and unit), one row
//! per trial, the deciding estimate with its interval, coloured by verdict, over the outcome's
//! equivalence band (± margin) where one is declared.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawError, FONT, axis_decimals, footnotes, header, notice, palette};
use crate::findings::Verdict;

pub struct ForestChart {
    pub title: String,
    pub subtitle: String,
    pub panels: Vec<ForestPanel>,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub lang: crate::study::Lang,
}

pub struct ForestPanel {
    /// The outcome and the unit of its differences.
    pub label: String,
    pub margin: Option<f64>,
    pub decimals: usize,
    pub rows: Vec<ForestRow>,
}

pub struct ForestRow {
    pub label: String,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub verdict: Verdict,
}

const HEAD: u32 = 78;
const PANEL_TITLE: u32 = 34;
const ROW: u32 = 34;
const AXIS: u32 = 40;
const FOOT: u32 = 60;

fn panel_height(p: &ForestPanel) -> u32 {
    PANEL_TITLE + ROW * p.rows.len().max(2) as u32 + AXIS
}

pub fn verdict_colour(v: Verdict) -> RGBColor {
    match v {
        Verdict::Better => RGBColor(27, 120, 55),
        Verdict::Worse => RGBColor(160, 30, 30),
        Verdict::Inconclusive => RGBColor(110, 110, 110),
        Verdict::OnPar | Verdict::Maintained => palette::TREATED,
    }
}

impl Chart for ForestChart {
    fn size(&self) -> (u32, u32) {
        (1200, HEAD + self.panels.iter().map(panel_height).sum::<u32>() + FOOT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        if self.panels.iter().all(|p| p.rows.is_empty()) {
            return Err("no findings to draw".into());
        }
        let mut rest = header(root, &self.title, &self.subtitle)?;
        for p in self.panels.iter().filter(|p| !p.rows.is_empty()) {
            let (area, below) = rest.split_vertically(panel_height(p));
            rest = below;
            let (title, body) = area.split_vertically(PANEL_TITLE);
            title
                .draw(&Text::new(
                    p.label.clone(),
                    (24, 8),
                    (FONT, 18).into_font().style(FontStyle::Bold).color(&palette::TEXT),
                ))
                .map_err(err)?;
            let n = p.rows.len() as f64;
            let m = p.margin.unwrap_or(0.0);
            let lo = p.rows.iter().map(|r| r.ci_low).fold(-m, f64::min).min(0.0);
            let hi = p.rows.iter().map(|r| r.ci_high).fold(m, f64::max).max(0.0);
            let pad = 0.08 * (hi - lo).max(1e-9);
            let (lo, hi) = (lo - pad, hi + pad);
            let (names, plot) = body.split_horizontally(420);
            let mut c = ChartBuilder::on(&plot)
                .margin_right(28)
                .x_label_area_size(AXIS)
                .y_label_area_size(0)
                .build_cartesian_2d(lo..hi, -0.5..n - 0.5)
                .map_err(err)?;
            c.configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(232, 232, 232))
                .x_labels(7)
                .x_label_formatter(&|x| crate::locale::number(*x, p.decimals.min(axis_decimals(hi - lo)), self.lang))
                .label_style((FONT, 15))
                .draw()
                .map_err(err)?;
            if m > 0.0 {
                c.draw_series([Rectangle::new([(-m, -0.5), (m, n - 0.5)], RGBColor(222, 235, 247).filled())])
                    .map_err(err)?;
            }
            c.draw_series(LineSeries::new([(0.0, -0.5), (0.0, n - 0.5)], palette::TEXT.stroke_width(1)))
                .map_err(err)?;
            let row = |i: usize| n - 1.0 - i as f64;
            for (i, r) in p.rows.iter().enumerate() {
                let colour = verdict_colour(r.verdict);
                let y = row(i);
                c.draw_series(LineSeries::new([(r.ci_low, y), (r.ci_high, y)], colour.stroke_width(3))).map_err(err)?;
                c.draw_series([Circle::new((r.estimate, y), 7, colour.filled())]).map_err(err)?;
            }
            let (names_w, _) = names.dim_in_pixel();
            for (i, r) in p.rows.iter().enumerate() {
                let (_, py) = c.backend_coord(&(0.0, row(i)));
                let label: String = if r.label.chars().count() > 46 {
                    r.label.chars().take(45).chain(['…']).collect()
                } else {
                    r.label.clone()
                };
                names
                    .draw(&Text::new(
                        label,
                        (names_w as i32 - 12, py - names.get_base_pixel().1),
                        (FONT, 15).into_font().color(&palette::TEXT).pos(Pos::new(HPos::Right, VPos::Center)),
                    ))
                    .map_err(err)?;
            }
        }
        footnotes(&rest, &self.footnote, 10)?;
        notice(root, &self.notice)
    }
}

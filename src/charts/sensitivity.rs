//! Sensitivity chart (Rambachan–Roth): one panel per restriction. For each M of its grid, the
//! identified set of the post-period mean (thick bar, relative magnitudes only) inside its
//! confidence set (thin bar with caps), the zero line, and a dashed line at the breakdown value
//! where the confidence set first holds zero. Each panel has its own y axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Chart, DrawError, FONT, axis_decimals, footnotes, header, legend, notice, padded_range, palette, value_plot,
};

/// One bar: M̄, the identified set and the confidence set.
pub type SensitivityBar = (f64, (f64, f64), (f64, f64));

/// Everything one sensitivity chart shows, already worded in the report language.
pub struct SensitivityChart {
    pub title: String,
    pub subtitle: String,
    pub y_label: String,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub panels: Vec<SensitivityPanel>,
    pub lang: crate::study::Lang,
}

/// One restriction's sets over its grid.
pub struct SensitivityPanel {
    /// Shown above the panel when there are several.
    pub heading: String,
    pub x_label: String,
    /// Legend entries: the identified set (`None`: not drawn), the confidence set, the
    /// breakdown value.
    pub set_label: Option<String>,
    pub ci_label: String,
    pub breakdown_label: String,
    pub bars: Vec<SensitivityBar>,
    pub breakdown: Option<f64>,
}

impl Chart for SensitivityChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let ends = |p: &SensitivityPanel| -> Vec<f64> {
            p.bars
                .iter()
                .flat_map(|(_, set, ci)| {
                    let set = if p.set_label.is_some() { vec![set.0, set.1] } else { Vec::new() };
                    set.into_iter().chain([ci.0, ci.1])
                })
                .filter(|v| v.is_finite())
                .collect()
        };
        if self.panels.iter().all(|p| ends(p).is_empty()) {
            return Err("no sets to draw".into());
        }
        let body = header(root, &self.title, &self.subtitle)?;
        // Two panels carry two sentences below them.
        let foot_height = if self.panels.len() > 1 { 116 } else { 92 };
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - foot_height);
        let areas = plot.split_evenly((1, self.panels.len().max(1)));
        for (panel, area) in self.panels.iter().zip(&areas) {
            let values = ends(panel);
            if values.is_empty() {
                continue;
            }
            let area = if self.panels.len() > 1 {
                area.titled(&panel.heading, (FONT, 17)).map_err(|e| e.to_string())?
            } else {
                area.clone()
            };
            self.draw_panel(panel, &area, padded_range(values.into_iter()))?;
        }
        footnotes(&foot, &self.footnote, 6)?;
        notice(root, &self.notice)
    }
}

impl SensitivityChart {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &SensitivityPanel,
        plot: &DrawingArea<DB, Shift>,
        (y0, y1): (f64, f64),
    ) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let bars = &panel.bars;
        let last = bars.iter().map(|b| b.0).fold(0.0, f64::max);
        let step = bars.get(1).map_or(0.25, |b| b.0 - bars[0].0).max(1e-12);
        let (x0, x1) = (-step * 0.8, last + step * 0.8);
        let y_decimals = axis_decimals(y1 - y0);
        // Enough decimals that the grid's steps read apart.
        let x_decimals = (-(step.log10().floor()) as i64).clamp(1, 6) as usize + 1;
        let mut c = value_plot(plot, x0..x1, y0..y1, (44, 80))?;
        c.configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels(if self.panels.len() > 1 { 5 } else { bars.len().clamp(2, 12) })
            .x_label_formatter(&|x| crate::locale::number(*x, x_decimals, self.lang))
            .y_label_formatter(&|y| crate::locale::number(*y, y_decimals, self.lang))
            .y_desc(self.y_label.clone())
            .x_desc(panel.x_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        c.draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], BLACK.stroke_width(1))))
            .map_err(err)?;
        let cap = step * 0.18;
        let ci = c
            .draw_series(bars.iter().filter(|b| b.2.0.is_finite() && b.2.1.is_finite()).flat_map(|&(x, _, (l, h))| {
                [
                    PathElement::new(vec![(x, l), (x, h)], palette::TREATED.stroke_width(2)),
                    PathElement::new(vec![(x - cap, l), (x + cap, l)], palette::TREATED.stroke_width(2)),
                    PathElement::new(vec![(x - cap, h), (x + cap, h)], palette::TREATED.stroke_width(2)),
                ]
            }))
            .map_err(err)?;
        ci.label(panel.ci_label.clone())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], palette::TREATED.stroke_width(2)));
        if let Some(set_label) = &panel.set_label {
            let half = step * 0.09;
            let set = c
                .draw_series(bars.iter().filter(|b| b.1.0.is_finite() && b.1.1.is_finite()).map(|&(x, (l, h), _)| {
                    // A point set (M̄ = 0) is drawn as a short bar so that it shows.
                    let h = if h - l < (y1 - y0) * 0.004 { l + (y1 - y0) * 0.004 } else { h };
                    Rectangle::new([(x - half, l), (x + half, h)], palette::COMPARISON.filled())
                }))
                .map_err(err)?;
            set.label(set_label.clone())
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], palette::COMPARISON.filled()));
        }
        if let Some(b) = panel.breakdown.filter(|b| *b > 0.0 && *b <= last) {
            c.draw_series(DashedLineSeries::new([(b, y0), (b, y1)], 6, 4, palette::EVENT.stroke_width(2)))
                .map_err(err)?
                .label(panel.breakdown_label.clone())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], palette::EVENT.stroke_width(2)));
        }
        legend(&mut c, SeriesLabelPosition::UpperLeft)
    }
}

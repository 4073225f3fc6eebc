//! Sensitivity chart (Rambachan–Roth): for each M̄ of the grid, the identified set of the
//! post-period mean (thick bar) inside its confidence set (thin bar with caps), the zero line,
//! and a dashed line at the breakdown value where the confidence set first holds zero.

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
    pub x_label: String,
    /// Legend entries: the identified set, the confidence set, the breakdown value.
    pub set_label: String,
    pub ci_label: String,
    pub breakdown_label: String,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub bars: Vec<SensitivityBar>,
    pub breakdown: Option<f64>,
    pub lang: crate::study::Lang,
}

impl Chart for SensitivityChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let ends = || self.bars.iter().flat_map(|(_, _, (lo, hi))| [*lo, *hi]);
        if !ends().any(f64::is_finite) {
            return Err("no sets to draw".into());
        }
        let (y0, y1) = padded_range(ends());
        let last = self.bars.iter().map(|b| b.0).fold(0.0, f64::max);
        let step = self.bars.get(1).map_or(0.25, |b| b.0 - self.bars[0].0).max(1e-9);
        let (x0, x1) = (-step * 0.8, last + step * 0.8);
        let y_decimals = axis_decimals(y1 - y0);
        let body = header(root, &self.title, &self.subtitle)?;
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - 92);
        let mut c = value_plot(&plot, x0..x1, y0..y1, (44, 80))?;
        c.configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels(self.bars.len().clamp(2, 12))
            .x_label_formatter(&|x| crate::locale::number(*x, if last < 0.5 { 3 } else { 2 }, self.lang))
            .y_label_formatter(&|y| crate::locale::number(*y, y_decimals, self.lang))
            .y_desc(self.y_label.clone())
            .x_desc(self.x_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        c.draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], BLACK.stroke_width(1))))
            .map_err(err)?;
        let cap = step * 0.18;
        let ci = c
            .draw_series(self.bars.iter().filter(|b| b.2.0.is_finite() && b.2.1.is_finite()).flat_map(
                |&(x, _, (l, h))| {
                    [
                        PathElement::new(vec![(x, l), (x, h)], palette::TREATED.stroke_width(2)),
                        PathElement::new(vec![(x - cap, l), (x + cap, l)], palette::TREATED.stroke_width(2)),
                        PathElement::new(vec![(x - cap, h), (x + cap, h)], palette::TREATED.stroke_width(2)),
                    ]
                },
            ))
            .map_err(err)?;
        ci.label(self.ci_label.clone())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], palette::TREATED.stroke_width(2)));
        let half = step * 0.09;
        let set = c
            .draw_series(self.bars.iter().filter(|b| b.1.0.is_finite() && b.1.1.is_finite()).map(|&(x, (l, h), _)| {
                // A point set (M̄ = 0) is drawn as a short bar so that it shows.
                let h = if h - l < (y1 - y0) * 0.004 { l + (y1 - y0) * 0.004 } else { h };
                Rectangle::new([(x - half, l), (x + half, h)], palette::COMPARISON.filled())
            }))
            .map_err(err)?;
        set.label(self.set_label.clone())
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], palette::COMPARISON.filled()));
        if let Some(b) = self.breakdown.filter(|b| *b > 0.0 && *b <= last) {
            c.draw_series(DashedLineSeries::new([(b, y0), (b, y1)], 6, 4, palette::EVENT.stroke_width(2)))
                .map_err(err)?
                .label(self.breakdown_label.clone())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], palette::EVENT.stroke_width(2)));
        }
        legend(&mut c, SeriesLabelPosition::UpperLeft)?;
        footnotes(&foot, &self.footnote, 6)?;
        notice(root, &self.notice)
    }
}

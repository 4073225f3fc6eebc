//! Survival curves: the share of spells still running after each week, with interval bands, for
//! trial and comparison municipalities before (thin, light) and during (thick) the trial.
//! A curve stops where fewer than the minimum cell size are at risk; the footnote says so.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, DrawError, FONT, footnotes, header, notice, palette, value_plot};

pub struct SurvivalChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub curves: Vec<SurvivalCurve>,
    /// The x axis ends here (weeks) if the curves run longer.
    pub x_max: Option<f64>,
    pub lang: crate::study::Lang,
}

pub struct SurvivalCurve {
    pub label: String,
    /// True: the trial municipalities (blue), false: comparison (orange).
    pub trial: bool,
    /// True: spells starting during the trial (thick line and band); false: before (thin, light).
    pub during: bool,
    /// (weeks, survival, interval low, interval high).
    pub points: Vec<(f64, f64, f64, f64)>,
}

impl Chart for SurvivalChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let x1 = self.curves.iter().flat_map(|c| c.points.last().map(|p| p.0)).fold(0.0, f64::max);
        if x1 <= 0.0 {
            return Err("no curve to draw".into());
        }
        let x1 = (self.x_max.map_or(x1, |m| m.min(x1)) / 13.0).ceil() * 13.0;
        let body = header(root, &self.title, &self.subtitle)?;
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - 46);
        let mut c = value_plot(&plot, 0.0..x1, 0.0..1.02, (44, 70))?;
        c.configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels(((x1 / 13.0) as usize + 1).min(16))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_labels(6)
            .y_label_formatter(&|y| format!("{} %", crate::locale::number(y * 100.0, 0, self.lang)))
            .x_desc(self.x_label.clone())
            .y_desc(self.y_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        // Bands first (under every line), as step-shaped polygons.
        for curve in self.curves.iter().filter(|c| c.during) {
            let colour = if curve.trial { palette::TREATED } else { palette::COMPARISON };
            let shown = || curve.points.iter().filter(|p| p.0 <= x1);
            let upper = steps(shown().map(|p| (p.0, p.3)));
            let lower = steps(shown().map(|p| (p.0, p.2)));
            let polygon: Vec<(f64, f64)> = upper.into_iter().chain(lower.into_iter().rev()).collect();
            c.draw_series(std::iter::once(Polygon::new(polygon, colour.mix(0.15).filled()))).map_err(err)?;
        }
        for curve in &self.curves {
            let colour = if curve.trial { palette::TREATED } else { palette::COMPARISON };
            let style = if curve.during { colour.stroke_width(3) } else { colour.mix(0.55).stroke_width(2) };
            let line = steps(curve.points.iter().filter(|p| p.0 <= x1).map(|p| (p.0, p.1)));
            let legend_style = style;
            c.draw_series(LineSeries::new(line, style))
                .map_err(err)?
                .label(curve.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], legend_style));
            // A short bar where the curve stops (too few at risk beyond it).
            if let Some(&(x, s, _, _)) = curve.points.last().filter(|p| p.0 <= x1) {
                c.draw_series(std::iter::once(PathElement::new(vec![(x, s - 0.02), (x, s + 0.02)], style)))
                    .map_err(err)?;
            }
        }
        super::legend(&mut c, SeriesLabelPosition::UpperRight)?;
        footnotes(&foot, &self.footnote, 4)?;
        notice(root, &self.notice)
    }
}

/// A right-continuous step function through the points.
fn steps(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (x, y) in points {
        if let Some(&(_, prev)) = out.last() {
            out.push((x, prev));
        }
        out.push((x, y));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_hold_the_value_until_the_next_point() {
        let s = super::steps([(0.0, 1.0), (1.0, 0.8), (2.0, 0.5)].into_iter());
        assert_eq!(s, vec![(0.0, 1.0), (1.0, 1.0), (1.0, 0.8), (2.0, 0.8), (2.0, 0.5)]);
    }
}

//! Event-study chart: one coefficient per month relative to the start with its confidence
//! interval, zero line, the reference month marked, leads (placebo months) grey and effects in
//! the treated colour.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Chart, DrawError, FONT, axis_decimals, footnotes, header, legend, notice, padded_range, palette, value_plot,
};

/// One coefficient: event time, estimate, interval (absent for the reference), binned end point.
pub type EventPoint = (i32, f64, Option<(f64, f64)>, bool);

/// Everything one event-study chart shows, already worded in the report language.
pub struct EventChart {
    pub title: String,
    pub subtitle: String,
    pub y_label: String,
    pub x_label: String,
    /// Legend entries: leads, effects, interval.
    pub lead_label: String,
    pub effect_label: String,
    /// Lines under the chart, e.g. the pre-trend tests.
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub points: Vec<EventPoint>,
    /// A second estimator by event time, drawn as a line in a band of its interval behind the
    /// coefficients: (event time, estimate, interval low, interval high). Empty: none.
    pub overlay: Vec<(i32, f64, f64, f64)>,
    pub overlay_label: String,
    pub lang: crate::study::Lang,
}

impl Chart for EventChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        if self.points.is_empty() {
            return Err("no coefficients to draw".into());
        }
        let ends = self
            .points
            .iter()
            .flat_map(|(_, b, ci, _)| {
                let (lo, hi) = ci.unwrap_or((*b, *b));
                [lo, hi, *b]
            })
            .chain(self.overlay.iter().flat_map(|o| [o.2, o.3]));
        let (y0, y1) = padded_range(ends);
        let x0 = self.points.iter().map(|p| p.0).min().unwrap_or(-1) as f64 - 0.8;
        let x1 = self.points.iter().map(|p| p.0).max().unwrap_or(0) as f64 + 0.8;
        let y_decimals = axis_decimals(y1 - y0);
        let body = header(root, &self.title, &self.subtitle)?;
        // Room below the plot for three footnote lines and, under them, the synthetic-data notice.
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - 92);
        let mut c = value_plot(&plot, x0..x1, y0..y1, (44, 80))?;
        let span = x1 - x0;
        c.configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels((span as usize / 3).clamp(4, 25))
            .x_label_formatter(&|x| format!("{:.0}", x.round()))
            .y_label_formatter(&|y| crate::locale::number(*y, y_decimals, self.lang))
            .y_desc(self.y_label.clone())
            .x_desc(self.x_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        c.draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], BLACK.stroke_width(1))))
            .map_err(err)?;
        c.draw_series(DashedLineSeries::new([(-0.5, y0), (-0.5, y1)], 6, 4, palette::EVENT.stroke_width(1)))
            .map_err(err)?;
        if !self.overlay.is_empty() {
            let x = |e: i32| e as f64;
            let band: Vec<(f64, f64)> = self
                .overlay
                .iter()
                .map(|o| (x(o.0), o.3))
                .chain(self.overlay.iter().rev().map(|o| (x(o.0), o.2)))
                .collect();
            c.draw_series(std::iter::once(Polygon::new(band, palette::OVERLAY.mix(0.18).filled()))).map_err(err)?;
            let line = self.overlay.iter().map(|o| (x(o.0), o.1));
            c.draw_series(LineSeries::new(line, palette::OVERLAY.stroke_width(2)))
                .map_err(err)?
                .label(self.overlay_label.clone())
                .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], palette::OVERLAY.mix(0.35).filled()));
        }
        let half = (0.28f64).min(span / 200.0 + 0.15);
        for (k, lead) in [(0, true), (1, false)] {
            let colour = if lead { palette::LEAD } else { palette::TREATED };
            let pts: Vec<&EventPoint> = self.points.iter().filter(|p| (p.0 < 0) == lead).collect();
            for p in &pts {
                if let Some((l, h)) = p.2 {
                    let x = p.0 as f64;
                    c.draw_series([
                        PathElement::new(vec![(x, l), (x, h)], colour.stroke_width(2)),
                        PathElement::new(vec![(x - half, l), (x + half, l)], colour.stroke_width(2)),
                        PathElement::new(vec![(x - half, h), (x + half, h)], colour.stroke_width(2)),
                    ])
                    .map_err(err)?;
                }
            }
            let s = c
                .draw_series(pts.iter().map(|p| {
                    let style = if p.3 || p.2.is_none() { colour.stroke_width(2) } else { colour.filled() };
                    Circle::new((p.0 as f64, p.1), 5, style)
                }))
                .map_err(err)?;
            let label = if k == 0 { &self.lead_label } else { &self.effect_label };
            s.label(label.clone()).legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
        }
        legend(&mut c, SeriesLabelPosition::UpperLeft)?;
        footnotes(&foot, &self.footnote, 6)?;
        notice(root, &self.notice)
    }
}

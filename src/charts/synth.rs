//! Synthetic-control charts: the treated gap drawn over the placebo gaps ("spaghetti"), and the
//! donor weights as horizontal bars. Treated vs synthetic uses [`super::TrendChart`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawError, FONT, axis_decimals, footnotes, header, notice, palette, value_plot};
use crate::period::Month;

fn x_of(m: Month) -> f64 {
    m.year() as f64 + (m.month() as f64 - 1.0) / 12.0
}

/// The treated gap (bold) over the placebo gaps (light grey), with the start and zero lines.
pub struct GapChart {
    pub title: String,
    pub subtitle: String,
    pub y_label: String,
    pub treated_label: String,
    pub placebo_label: String,
    pub start_label: String,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub start: Month,
    /// The treated gap per month (`None` breaks the line: a month left out or suppressed).
    pub treated: Vec<(Month, Option<f64>)>,
    /// Placebo gaps (a `None` value breaks the line: suppressed).
    pub placebos: Vec<Vec<(Month, Option<f64>)>>,
    /// The bounded per-period conformal intervals (period, low, high) and their label.
    pub conformal: Vec<(Month, f64, f64)>,
    pub conformal_label: String,
    pub lang: crate::study::Lang,
}

impl Chart for GapChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        if self.treated.is_empty() {
            return Err("no gap to draw".into());
        }
        let values = self
            .treated
            .iter()
            .filter_map(|p| p.1)
            .chain(self.placebos.iter().flatten().filter_map(|p| p.1))
            .chain(self.conformal.iter().flat_map(|c| [c.1, c.2]));
        let (y0, y1) = super::padded_range(values);
        let (x0, x1) = (x_of(self.treated[0].0), x_of(self.treated[self.treated.len() - 1].0) + 1.0 / 12.0);
        let y_decimals = axis_decimals(y1 - y0);
        let body = header(root, &self.title, &self.subtitle)?;
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - 72);
        let mut c = value_plot(&plot, x0..x1, y0..y1, (40, 80))?;
        c.configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels(((x1 - x0).round() as usize + 1).min(20))
            .x_label_formatter(&|x| format!("{:.0}", x.floor()))
            .y_label_formatter(&|y| crate::locale::number(*y, y_decimals, self.lang))
            .y_desc(self.y_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(185, 185, 185);
        for (k, placebo) in self.placebos.iter().enumerate() {
            let mut segment: Vec<(f64, f64)> = Vec::new();
            let mut first = k == 0;
            for (m, v) in placebo.iter().map(|(m, v)| (*m, *v)).chain(std::iter::once((self.start, None))) {
                match v {
                    Some(v) => segment.push((x_of(m), v)),
                    None if !segment.is_empty() => {
                        let s = c
                            .draw_series(LineSeries::new(std::mem::take(&mut segment), grey.stroke_width(1)))
                            .map_err(err)?;
                        if first {
                            s.label(self.placebo_label.clone()).legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 24, y)], grey.stroke_width(2))
                            });
                            first = false;
                        }
                    }
                    None => {}
                }
            }
        }
        c.draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], BLACK.stroke_width(1))))
            .map_err(err)?;
        let sx = x_of(self.start);
        c.draw_series(DashedLineSeries::new([(sx, y0), (sx, y1)], 6, 4, BLACK.stroke_width(2))).map_err(err)?;
        c.draw_series(std::iter::once(Text::new(
            format!(" {}", self.start_label),
            (sx, y0 + (y1 - y0) * 0.04),
            (FONT, 15).into_font().style(FontStyle::Bold).color(&BLACK),
        )))
        .map_err(err)?;
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (m, v) in &self.treated {
            match v {
                Some(v) => runs.last_mut().expect("non-empty").push((x_of(*m), *v)),
                None if !runs.last().expect("non-empty").is_empty() => runs.push(Vec::new()),
                None => {}
            }
        }
        runs.retain(|r| !r.is_empty());
        for (k, run) in runs.into_iter().enumerate() {
            let s = c.draw_series(LineSeries::new(run, palette::TREATED.stroke_width(3))).map_err(err)?;
            if k == 0 {
                s.label(self.treated_label.clone())
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], palette::TREATED.stroke_width(3)));
            }
        }
        if !self.conformal.is_empty() {
            let colour = palette::TREATED.mix(0.55);
            c.draw_series(
                self.conformal
                    .iter()
                    .map(|&(m, lo, hi)| PathElement::new(vec![(x_of(m), lo), (x_of(m), hi)], colour.stroke_width(2))),
            )
            .map_err(err)?
            .label(self.conformal_label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x + 12, y - 7), (x + 12, y + 7)], colour.stroke_width(2)));
        }
        super::legend(&mut c, SeriesLabelPosition::UpperLeft)?;
        footnotes(&foot, &self.footnote, 6)?;
        notice(root, &self.notice)
    }
}

/// Horizontal bars with optional interval whiskers, in the given order (at most 15 drawn):
/// donor weights, savings per municipality.
pub struct BarChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub footnote: Vec<String>,
    pub notice: Option<String>,
    pub bars: Vec<Bar>,
    /// Decimals of the value labels and the axis.
    pub decimals: usize,
    pub lang: crate::study::Lang,
}

pub struct Bar {
    pub label: String,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
}

impl Chart for BarChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let bars: Vec<&Bar> = self.bars.iter().take(15).collect();
        if bars.is_empty() {
            return Err("no bars to draw".into());
        }
        let n = bars.len() as f64;
        let ends =
            bars.iter().flat_map(|b| [Some(b.value), b.interval.map(|i| i.0), b.interval.map(|i| i.1)]).flatten();
        let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let span = (hi - lo).max(1e-9);
        let (lo, hi) = (if lo < 0.0 { lo - 0.03 * span } else { 0.0 }, hi + 0.15 * span);
        let body = header(root, &self.title, &self.subtitle)?;
        let (plot, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - 50);
        let (names, bars_area) = plot.split_horizontally(260);
        let mut c = ChartBuilder::on(&bars_area)
            .margin_right(28)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(0)
            .build_cartesian_2d(lo..hi, -0.5..n - 0.5)
            .map_err(err)?;
        c.configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_labels(6)
            .x_label_formatter(&|x| crate::locale::number(*x, self.decimals.min(axis_decimals(hi - lo)), self.lang))
            .x_desc(self.x_label.clone())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        let row = |i: usize| n - 1.0 - i as f64;
        let colour = if bars.iter().any(|b| b.interval.is_some()) { palette::TREATED } else { palette::COMPARISON };
        c.draw_series(
            bars.iter().enumerate().map(|(i, b)| {
                Rectangle::new([(0.0, row(i) - 0.35), (b.value, row(i) + 0.35)], colour.mix(0.85).filled())
            }),
        )
        .map_err(err)?;
        if lo < 0.0 {
            c.draw_series(LineSeries::new([(0.0, -0.5), (0.0, n - 0.5)], palette::TEXT.stroke_width(1)))
                .map_err(err)?;
        }
        for (i, b) in bars.iter().enumerate() {
            if let Some((l, h)) = b.interval {
                let y = row(i);
                let style = palette::TEXT.stroke_width(2);
                c.draw_series(LineSeries::new([(l, y), (h, y)], style)).map_err(err)?;
                for x in [l, h] {
                    c.draw_series(LineSeries::new([(x, y - 0.18), (x, y + 0.18)], style)).map_err(err)?;
                }
            }
        }
        c.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let right = b.interval.map_or(b.value, |(_, h)| h.max(b.value)).max(0.0);
            Text::new(
                format!(" {}", crate::locale::number(b.value, self.decimals, self.lang)),
                (right, row(i) + if b.interval.is_some() { 0.3 } else { 0.0 }),
                (FONT, 15).into_font().color(&palette::TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))
        .map_err(err)?;
        // Names right-aligned against the plot, at each bar's pixel height.
        let (names_w, _) = names.dim_in_pixel();
        for (i, b) in bars.iter().enumerate() {
            let (_, py) = c.backend_coord(&(0.0, row(i)));
            names
                .draw(&Text::new(
                    b.label.clone(),
                    (names_w as i32 - 10, py - names.get_base_pixel().1),
                    (FONT, 16).into_font().color(&palette::TEXT).pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(err)?;
        }
        footnotes(&foot, &self.footnote, 6)?;
        notice(root, &self.notice)
    }
}

//! Trend chart: treated vs comparison monthly means, the trial start, shaded COVID windows and
//! policy events.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, DrawError, FONT, axis_decimals, header, notice, palette};
use crate::period::Month;

/// Everything one trend chart shows, already worded in the report language.
pub struct TrendChart {
    pub title: String,
    pub subtitle: String,
    pub y_label: String,
    pub treated_label: String,
    pub comparison_label: String,
    pub start_label: String,
    pub covid_label: String,
    /// Shown in the corner of synthetic-data charts.
    pub notice: Option<String>,
    pub points: Vec<(Month, Option<f64>, Option<f64>)>,
    pub start: Month,
    /// COVID windows as (first, last) fractional years.
    pub covid: Vec<(f64, f64)>,
    pub events: Vec<(f64, String)>,
    /// Number formatting of the axis.
    pub lang: crate::study::Lang,
}

fn x_of(m: Month) -> f64 {
    m.year() as f64 + (m.month() as f64 - 1.0) / 12.0
}

/// Fractional year of a date.
pub fn year_fraction(d: chrono::NaiveDate) -> f64 {
    use chrono::Datelike;
    d.year() as f64 + (d.ordinal0() as f64) / 365.25
}

fn segments(points: &[(Month, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (m, v) in points {
        match v {
            Some(v) => out.last_mut().expect("non-empty").push((x_of(*m), *v)),
            None => {
                if !out.last().expect("non-empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

impl Chart for TrendChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        draw(self, root)
    }
}

fn draw<DB: DrawingBackend>(chart: &TrendChart, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let values: Vec<f64> = chart.points.iter().flat_map(|(_, a, b)| [*a, *b]).flatten().collect();
    if values.is_empty() || chart.points.is_empty() {
        return Err("no data to draw".into());
    }
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-6);
    let (x0, x1) = (x_of(chart.points[0].0), x_of(chart.points[chart.points.len() - 1].0) + 1.0 / 12.0);
    let (y0, y1) = (lo - pad * 3.0, hi + pad * 2.5);

    let y_decimals = axis_decimals(y1 - y0);
    let body = header(root, &chart.title, &chart.subtitle)?;

    let mut c = ChartBuilder::on(&body)
        .margin_left(16)
        .margin_right(28)
        .margin_bottom(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    c.configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(230, 230, 230))
        .x_labels(((x1 - x0).round() as usize + 1).min(20))
        .x_label_formatter(&|x| format!("{:.0}", x.floor()))
        .y_label_formatter(&|y| crate::locale::number(*y, y_decimals, chart.lang))
        .y_desc(chart.y_label.clone())
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(err)?;

    for (a, b) in &chart.covid {
        let (a, b) = (a.max(x0), b.min(x1));
        if a < b {
            c.draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], palette::COVID.filled()))).map_err(err)?;
        }
    }
    if let Some((a, _)) = chart.covid.first()
        && *a > x0
        && *a < x1
    {
        c.draw_series(std::iter::once(Text::new(
            chart.covid_label.clone(),
            (*a, y1 - (y1 - y0) * 0.02),
            (FONT, 14).into_font().color(&palette::EVENT),
        )))
        .map_err(err)?;
    }
    for (i, (x, label)) in chart.events.iter().enumerate() {
        if *x <= x0 || *x >= x1 {
            continue;
        }
        c.draw_series(DashedLineSeries::new([(*x, y0), (*x, y1)], 4, 4, palette::EVENT.stroke_width(1)))
            .map_err(err)?;
        let y = y1 - (y1 - y0) * (0.07 + 0.05 * (i % 3) as f64);
        c.draw_series(std::iter::once(Text::new(
            format!(" {label}"),
            (*x, y),
            (FONT, 13).into_font().color(&palette::EVENT),
        )))
        .map_err(err)?;
    }
    let sx = x_of(chart.start);
    c.draw_series(std::iter::once(PathElement::new(vec![(sx, y0), (sx, y1)], BLACK.stroke_width(2)))).map_err(err)?;
    c.draw_series(std::iter::once(Text::new(
        format!(" {}", chart.start_label),
        (sx, y0 + (y1 - y0) * 0.04),
        (FONT, 15).into_font().style(FontStyle::Bold).color(&BLACK),
    )))
    .map_err(err)?;

    let comparison: Vec<(Month, Option<f64>)> = chart.points.iter().map(|(m, _, b)| (*m, *b)).collect();
    let treated: Vec<(Month, Option<f64>)> = chart.points.iter().map(|(m, a, _)| (*m, *a)).collect();
    for (k, seg) in segments(&comparison).into_iter().enumerate() {
        let s = c.draw_series(LineSeries::new(seg, palette::COMPARISON.stroke_width(2))).map_err(err)?;
        if k == 0 {
            s.label(chart.comparison_label.clone())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], palette::COMPARISON.stroke_width(3)));
        }
    }
    for (k, seg) in segments(&treated).into_iter().enumerate() {
        let s = c.draw_series(LineSeries::new(seg, palette::TREATED.stroke_width(3))).map_err(err)?;
        if k == 0 {
            s.label(chart.treated_label.clone())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], palette::TREATED.stroke_width(3)));
        }
    }
    super::legend(&mut c, SeriesLabelPosition::LowerLeft)?;
    notice(root, &chart.notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_lines() {
        let m = Month::new(2020, 1).unwrap();
        let pts = vec![(m, Some(1.0)), (m.plus(1), None), (m.plus(2), Some(2.0)), (m.plus(3), Some(3.0))];
        let s = segments(&pts);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].len(), 2);
    }
}

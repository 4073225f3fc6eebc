//! Charts: PNG for documents and SVG for the web, drawn by plotters with an embedded font.
//!
//! Text is set in DejaVu Sans, registered from bytes (the `dejavu` crate) under the name
//! `sans-serif`, so Danish letters render identically on any machine and no system font is
//! looked up. Charts read [`crate::results`] only.

pub mod event;
pub mod forest;
pub mod plan;
pub mod sensitivity;
pub mod survival;
pub mod synth;
pub mod trend;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::results::Results;
use crate::study::Lang;

pub use event::EventChart;
pub use forest::{ForestChart, ForestPanel, ForestRow};
pub use sensitivity::{SensitivityChart, SensitivityPanel};
pub use survival::{SurvivalChart, SurvivalCurve};
pub use synth::{Bar, BarChart, GapChart};
pub use trend::TrendChart;

/// Pixel size of every chart (16:9).
pub const SIZE: (u32, u32) = (1200, 675);

/// A chart that could not be drawn: the drawing backend's or the encoder's own words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DrawError(pub String);

impl From<String> for DrawError {
    fn from(message: String) -> DrawError {
        DrawError(message)
    }
}

impl From<&str> for DrawError {
    fn from(message: &str) -> DrawError {
        DrawError(message.to_string())
    }
}

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;

    /// Pixel size; [`SIZE`] unless the chart grows with its content.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
}

/// Draws the chart as PNG bytes, in memory.
pub fn png_bytes(chart: &impl Chart) -> Result<Vec<u8>, DrawError> {
    register_fonts();
    let (w, h) = chart.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let image = image::RgbImage::from_raw(w, h, rgb).ok_or("the chart's pixel buffer has the wrong size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageOutputFormat::Png).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The charts of one language, drawn: each file's bytes by its path relative to the documents
/// (`charts/x.png`, `charts/x.svg`), and where each chart belongs with its alt text.
#[derive(Default)]
pub struct Drawn {
    pub files: Vec<(String, Vec<u8>)>,
    pub refs: Vec<(plan::Slot, crate::results::ChartFiles)>,
}

impl Drawn {
    /// The chart in `slot`, if the results have one.
    pub fn get(&self, slot: plan::Slot) -> Option<&crate::results::ChartFiles> {
        self.refs.iter().find(|(s, _)| *s == slot).map(|(_, r)| r)
    }
}

/// The chart references of `results` in `lang` (file names and alt texts), without drawing.
pub fn references(results: &Results, lang: Lang) -> Vec<(plan::Slot, crate::results::ChartFiles)> {
    plan::plan(results, lang).into_iter().map(|p| (p.slot, reference(&p))).collect()
}

fn reference(p: &plan::Planned) -> crate::results::ChartFiles {
    crate::results::ChartFiles { png: format!("{}.png", p.base), svg: format!("{}.svg", p.base), alt: p.alt.clone() }
}

/// Draws every chart of `results` in `lang` as PNG and SVG, in memory; `done` is called after
/// each chart.
pub fn draw(results: &Results, lang: Lang, done: &dyn Fn()) -> Result<Drawn, (String, DrawError)> {
    draw_planned(plan::plan(results, lang), done)
}

/// Draws charts already planned (a caller that counts them first plans once).
pub fn draw_planned(planned: Vec<plan::Planned>, done: &dyn Fn()) -> Result<Drawn, (String, DrawError)> {
    let mut drawn = Drawn::default();
    for p in planned {
        let fail = |e: DrawError| (p.base.clone(), e);
        let png = p.spec.png().map_err(fail)?;
        let svg = p.spec.svg().map_err(fail)?;
        drawn.refs.push((p.slot, reference(&p)));
        drawn.files.push((format!("{}.png", p.base), png));
        drawn.files.push((format!("{}.svg", p.base), svg.into_bytes()));
        done();
    }
    Ok(drawn)
}

/// Draws the chart as an SVG document.
pub fn render_svg(chart: &impl Chart) -> Result<String, DrawError> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, chart.size()).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// White background, bold title and subtitle; returns the area below them.
fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (head, body) = root.split_vertically(78);
    head.draw(&Text::new(
        title.to_string(),
        (24, 12),
        (FONT, 26).into_font().style(FontStyle::Bold).color(&palette::TEXT),
    ))
    .map_err(err)?;
    head.draw(&Text::new(subtitle.to_string(), (24, 48), (FONT, 18).into_font().color(&palette::TEXT))).map_err(err)?;
    Ok(body)
}

/// The footnotes in `foot`, the first line `top` pixels down: each wrapped at word boundaries to
/// the width, at most three lines in all.
fn footnotes<DB: DrawingBackend>(foot: &DrawingArea<DB, Shift>, lines: &[String], top: i32) -> Result<(), DrawError> {
    // 15 px DejaVu Sans averages a little over 6 px a character.
    let width = (foot.dim_in_pixel().0 as usize).saturating_sub(48) * 10 / 66;
    let wrapped: Vec<String> = lines.iter().flat_map(|l| wrap(l, width.max(40))).collect();
    for (i, line) in wrapped.iter().take(3).enumerate() {
        foot.draw(&Text::new(line.clone(), (24, top + 19 * i as i32), (FONT, 15).into_font().color(&palette::TEXT)))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The synthetic-data notice in the lower right corner.
fn notice<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, notice: &Option<String>) -> Result<(), DrawError> {
    if let Some(text) = notice {
        let (w, h) = root.dim_in_pixel();
        root.draw(&Text::new(
            text.clone(),
            (w as i32 - 24 - 7 * text.chars().count() as i32, h as i32 - 22),
            (FONT, 13).into_font().color(&RGBColor(160, 30, 30)),
        ))
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The value axis of a chart around zero: from the smallest to the largest finite value (0
/// always inside), padded by 8 % of the span on each side.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// The value plot of the line and dot charts (event study, sensitivity, survival, synthetic
/// control): their margins and axis-label areas over `x` × `y`.
fn value_plot<'a, DB: DrawingBackend + 'a>(
    area: &DrawingArea<DB, Shift>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    (x_label_area, y_label_area): (u32, u32),
) -> Result<ValuePlot<'a, DB>, DrawError> {
    ChartBuilder::on(area)
        .margin_left(16)
        .margin_right(28)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string().into())
}

/// A chart context on two f64 axes.
type ValuePlot<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// The legend box every chart with a legend draws, at `position`.
fn legend<'a, DB: DrawingBackend + 'a>(
    c: &mut ValuePlot<'a, DB>,
    position: SeriesLabelPosition,
) -> Result<(), DrawError> {
    c.configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FONT, 16))
        .draw()
        .map_err(|e| e.to_string().into())
}

/// Decimals on a value axis spanning `span`: none from 50, one from 2, otherwise two.
fn axis_decimals(span: f64) -> usize {
    match span {
        r if r >= 50.0 => 0,
        r if r >= 2.0 => 1,
        _ => 2,
    }
}

/// The font family name charts use.
pub const FONT: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() {
    FONTS.call_once(|| {
        use plotters::style::FontStyle;
        // The embedded DejaVu faces are valid TrueType; a failure here is a build defect.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "DejaVu Sans regular")
            .expect("embedded font is valid");
        plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| "DejaVu Sans bold")
            .expect("embedded font is valid");
    });
}

/// Colours shared by every chart (colour-blind safe pair from the Okabe–Ito palette).
pub mod palette {
    use plotters::style::RGBColor;
    pub const TREATED: RGBColor = RGBColor(0, 114, 178);
    pub const COMPARISON: RGBColor = RGBColor(213, 94, 0);
    pub const COVID: RGBColor = RGBColor(225, 225, 225);
    pub const EVENT: RGBColor = RGBColor(120, 120, 120);
    pub const TEXT: RGBColor = RGBColor(40, 40, 40);
    /// Leads (placebo periods) in event-study charts.
    pub const LEAD: RGBColor = RGBColor(110, 110, 110);
    /// A comparison estimator drawn behind the event study (imputation).
    pub const OVERLAY: RGBColor = RGBColor(0, 158, 115);
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn footnotes_wrap_at_spaces_within_the_width() {
        let lines = wrap("Bars: 95% confidence interval (CR1). Joint test of parallel pre-trends", 30);
        assert_eq!(lines, ["Bars: 95% confidence interval", "(CR1). Joint test of parallel", "pre-trends"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 30));
        assert_eq!(wrap("kort", 30), ["kort"]);
    }
}

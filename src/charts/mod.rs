//! Charts: PNG for documents and SVG for the web, drawn by plotters with an embedded font.
//!
//! Text is set in DejaVu Sans, registered from bytes (the `dejavu` crate) under the name
//! `sans-serif`, so Danish letters render identically on any machine and no system font is
//! looked up. Charts read [`crate::results`] only.

pub mod trend;

use std::sync::Once;

pub use trend::{TrendChart, render_png, render_svg};

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
}

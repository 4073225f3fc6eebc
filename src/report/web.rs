//! `report.html` and `report.md`: the findings and estimates for the web, wikis and e-mail.
//!
//! Both are minijinja templates over the same view as the PDF ([`super::view`]). Every value
//! from the results — names of trials, municipalities and outcomes included — is escaped for
//! its target by the environment's formatter, never by the template: HTML escaping for the HTML
//! page, backslash escaping of Markdown's syntax characters (and `|` inside tables) for the
//! Markdown summary. The HTML page is one self-contained file: styles inline, charts as SVG data
//! URIs in `<img>` elements with their alt texts (an SVG shown through `<img>` runs no script),
//! no network.

use minijinja::{AutoEscape, Environment, Error, State, Value, escape_formatter, value::ValueKind};

use super::{Exporter, RenderError, view};
use crate::charts::Drawn;
use crate::results::Results;
use crate::study::Lang;

const HTML: &str = include_str!("templates/report.html");
const MARKDOWN: &str = include_str!("templates/report.md");

/// Markdown: a backslash before every character that makes inline markup anywhere (`\ ` * _
/// [ ] < > | $ ~ &`), and before a block marker at the start of the value (`# - + = >` or a
/// number followed by `.` or `)`); line breaks become spaces, so a value cannot open a block.
/// Plain prose and Danish numbers ("12,1 mio. kr.", "−3,2") stay as they are.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in text.chars().enumerate() {
        let block_marker =
            i == 0 && matches!(c, '#' | '-' | '+' | '=' | '>') || digits > 0 && i == digits && matches!(c, '.' | ')');
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '$' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ if block_marker => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn environment(charts: &Drawn) -> Environment<'static> {
    let mut env = Environment::new();
    // A template that prints a value the view does not give fails to render (instead of printing
    // nothing); `{% if x %}` on a missing value stays allowed.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::Custom("markdown") }
    });
    env.set_formatter(|out, state: &State, value: &Value| {
        if let AutoEscape::Custom("markdown") = state.auto_escape() {
            let text = match value.kind() {
                ValueKind::Undefined | ValueKind::None => String::new(),
                _ if value.is_safe() => value.to_string(),
                _ => escape_markdown(&value.to_string()),
            };
            out.write_str(&text).map_err(Error::from)
        } else {
            escape_formatter(out, state, value)
        }
    });
    // `svg(path)`: the chart at `/charts/x.png` as an SVG data URI.
    let svgs: Vec<(String, String)> = charts
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".svg"))
        .map(|(p, b)| (p.clone(), format!("data:image/svg+xml;base64,{}", base64(b))))
        .collect();
    env.add_function("svg", move |path: String| -> Result<String, Error> {
        let want = path.trim_start_matches('/').replace(".png", ".svg");
        svgs.iter()
            .find(|(p, _)| *p == want)
            .map(|(_, uri)| uri.clone())
            .ok_or_else(|| Error::new(minijinja::ErrorKind::InvalidOperation, format!("no SVG chart for {path}")))
    });
    env
}

fn render(
    template: &'static str,
    name: &'static str,
    results: &Results,
    charts: &Drawn,
    lang: Lang,
) -> Result<Vec<u8>, RenderError> {
    let mut env = environment(charts);
    env.add_template(name, template)?;
    let data = view::report(results, charts, lang);
    let text = env.get_template(name).and_then(|t| t.render(&data))?;
    Ok(text.into_bytes())
}

pub struct HtmlReport {
    pub lang: Lang,
}

impl Exporter for HtmlReport {
    fn file_name(&self) -> String {
        "report.html".into()
    }

    fn render(&self, results: &Results, charts: &Drawn) -> Result<Vec<u8>, RenderError> {
        render(HTML, "report.html", results, charts, self.lang)
    }
}

pub struct MarkdownReport {
    pub lang: Lang,
}

impl Exporter for MarkdownReport {
    fn file_name(&self) -> String {
        "report.md".into()
    }

    fn render(&self, results: &Results, charts: &Drawn) -> Result<Vec<u8>, RenderError> {
        // Markdown links the chart files; it needs no data URIs.
        render(MARKDOWN, "report.md", results, charts, self.lang)
    }
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, coded) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn markdown_escaping_neutralises_markup_and_keeps_numbers() {
        assert_eq!(escape_markdown("12,1 mio. kr. (95 %)"), "12,1 mio. kr. (95 %)");
        assert_eq!(escape_markdown("−3,2"), "−3,2");
        assert_eq!(escape_markdown("-3,2"), "\\-3,2");
        assert_eq!(escape_markdown("*bold* [x](y)"), "\\*bold\\* \\[x\\](y)");
        assert_eq!(escape_markdown("=HYPERLINK(\"a\")"), "\\=HYPERLINK(\"a\")");
        assert_eq!(escape_markdown("a | b"), "a \\| b");
        assert_eq!(escape_markdown("<script>"), "\\<script\\>");
        assert_eq!(escape_markdown("line\n# heading"), "line # heading");
        assert_eq!(escape_markdown("# heading"), "\\# heading");
        assert_eq!(escape_markdown("2018. year"), "2018\\. year");
        assert_eq!(escape_markdown("$x$ `code` ~~s~~ &amp;"), "\\$x\\$ \\`code\\` \\~\\~s\\~\\~ \\&amp;");
    }
}

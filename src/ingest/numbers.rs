//! Numbers as Danish and English sources write them.
//!
//! Danish files use a decimal comma and a thousands point (`1.544,50`), English ones the
//! reverse (`1,544.50`); either may leave the thousands separator out or use a space. A cell
//! like `1.544` is a thousand and more in Danish and one and a half in English, so a file's
//! style is declared or detected from the whole column ([`NumberStyle::detect`]), never
//! guessed cell by cell. Statbank writes `..` for a suppressed cell; that is kept as
//! [`Cell::Suppressed`], distinct from an empty cell, and never read as zero.

/// One parsed cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    Value(f64),
    /// Empty, `NA` or `-`: no observation.
    Missing,
    /// `..` (Statbank and Jobindsats: discretionised or not published).
    Suppressed,
}

/// Decimal and thousands marks of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberStyle {
    pub decimal: char,
    /// `None`: no thousands grouping allowed.
    pub thousands: Option<char>,
}

impl NumberStyle {
    /// `1.544,50`
    pub const DANISH: NumberStyle = NumberStyle { decimal: ',', thousands: Some('.') };
    /// `1,544.50`
    pub const ENGLISH: NumberStyle = NumberStyle { decimal: '.', thousands: Some(',') };
    /// `1544.50`, what programs write.
    pub const PLAIN: NumberStyle = NumberStyle { decimal: '.', thousands: None };

    pub fn describe(self) -> String {
        match self.thousands {
            Some(t) => format!("decimal mark `{}`, thousands mark `{t}`", self.decimal),
            None => format!("decimal mark `{}`", self.decimal),
        }
    }

    /// The first style that reads every cell of `cells`. With a comma anywhere: Danish, then
    /// English. Without: Danish when every point in the column groups thousands (`1.860`,
    /// `123.456`, never `0.125`), as Danish exports of counts write them; otherwise plain. So
    /// `1.544` beside `2.5` is one and a half, beside `2,5` or `12.000` fifteen hundred and
    /// more. A column of nothing but values like `12.500` meant as decimals must declare its
    /// style. `None` when no style reads every cell.
    pub fn detect<'a>(cells: impl IntoIterator<Item = &'a str> + Clone) -> Option<NumberStyle> {
        let comma = cells.clone().into_iter().any(|c| c.contains(','));
        let dotted = || cells.clone().into_iter().filter(|c| c.contains('.') && c.trim() != "..");
        let grouped = dotted().next().is_some()
            && dotted().all(|c| {
                let body = c.trim().trim_start_matches(['-', '+']);
                !body.starts_with('0') && grouped_digits(body, Some('.')).is_some()
            });
        let candidates: &[NumberStyle] = if comma {
            &[NumberStyle::DANISH, NumberStyle::ENGLISH]
        } else if grouped {
            &[NumberStyle::DANISH, NumberStyle::PLAIN]
        } else {
            &[NumberStyle::PLAIN, NumberStyle::DANISH, NumberStyle::ENGLISH]
        };
        candidates.iter().copied().find(|s| cells.clone().into_iter().all(|c| parse(c, *s).is_some()))
    }
}

/// Why a cell is not a number, for the error message.
pub fn expected(style: NumberStyle) -> String {
    format!("a number ({}); empty or `..` for missing", style.describe())
}

/// Parses one cell in `style`; `None` when it is not a number in that style (the caller knows
/// the row and column).
pub fn parse(text: &str, style: NumberStyle) -> Option<Cell> {
    let t = text.trim().trim_matches('\u{a0}');
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t == "-" {
        return Some(Cell::Missing);
    }
    if t == ".." {
        return Some(Cell::Suppressed);
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'-' => ("-", &t[1..]),
        b'+' => ("", &t[1..]),
        _ => ("", t),
    };
    // U+2212 MINUS SIGN, as typeset reports and some exports write it.
    let (sign, body) = match body.strip_prefix('\u{2212}') {
        Some(rest) if sign.is_empty() => ("-", rest),
        _ => (sign, body),
    };
    let (int, frac) = match body.split_once(style.decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let digits = grouped_digits(int, style.thousands)?;
    if digits.is_empty() && frac.is_none() {
        return None;
    }
    let canonical = format!(
        "{sign}{}{}",
        if digits.is_empty() { "0" } else { &digits },
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    let v: f64 = canonical.parse().ok()?;
    v.is_finite().then_some(Cell::Value(v))
}

/// The digits of an integer part, with thousands groups (of exactly three after the first
/// group of one to three) checked and removed. A space or no-break space groups too.
fn grouped_digits(int: &str, thousands: Option<char>) -> Option<String> {
    let separators = |c: char| Some(c) == thousands || c == ' ' || c == '\u{a0}';
    if !int.contains(separators) {
        return int.bytes().all(|c| c.is_ascii_digit()).then(|| int.to_string());
    }
    let groups: Vec<&str> = int.split(separators).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    (first_ok && rest_ok && groups.iter().all(|g| g.bytes().all(|c| c.is_ascii_digit()))).then(|| groups.concat())
}

/// Writes `x` in `style` with `decimals` decimals and thousands grouping (the inverse of
/// [`parse`], used by the property tests and the simulator's Danish exports).
pub fn format(x: f64, decimals: usize, style: NumberStyle) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0
            && (int.len() - i) % 3 == 0
            && let Some(t) = style.thousands
        {
            grouped.push(t);
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && s.bytes().any(|c| c.is_ascii_digit() && c != b'0') { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}{}{frac}", style.decimal) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DA: NumberStyle = NumberStyle::DANISH;
    const EN: NumberStyle = NumberStyle::ENGLISH;

    #[test]
    fn danish_and_english_spellings() {
        assert_eq!(parse("1.544,50", DA), Some(Cell::Value(1544.5)));
        assert_eq!(parse("1544,5", DA), Some(Cell::Value(1544.5)));
        assert_eq!(parse("1 544,5", DA), Some(Cell::Value(1544.5)));
        assert_eq!(parse("-0,8", DA), Some(Cell::Value(-0.8)));
        assert_eq!(parse("\u{2212}0,8", DA), Some(Cell::Value(-0.8)));
        assert_eq!(parse("12.200.000", DA), Some(Cell::Value(12_200_000.0)));
        assert_eq!(parse("1,544.50", EN), Some(Cell::Value(1544.5)));
        assert_eq!(parse(",5", DA), Some(Cell::Value(0.5)));
        assert_eq!(parse("..", DA), Some(Cell::Suppressed));
        assert_eq!(parse("", DA), Some(Cell::Missing));
        assert_eq!(parse(" NA ", EN), Some(Cell::Missing));
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in
            ["1.5", "1.54,5", "12.34.567", "1,5,5", "1,", "abc", "1e5", "inf", "NaN", "--1", "1.544,5x", ",", "+"]
        {
            assert_eq!(parse(bad, DA), None, "{bad:?}");
        }
        assert_eq!(parse("1,5", EN), None);
        assert_eq!(parse("1.544", EN), Some(Cell::Value(1.544)));
    }

    #[test]
    fn the_style_comes_from_the_whole_column() {
        assert_eq!(NumberStyle::detect(["1", "2", "..", ""]), Some(NumberStyle::PLAIN));
        assert_eq!(NumberStyle::detect(["74,1", "1.544,5"]), Some(DA));
        assert_eq!(NumberStyle::detect(["74.1", "1,544.5"]), Some(EN));
        assert_eq!(NumberStyle::detect(["74,1", "74.1"]), None);
        // `1.544` beside a plain decimal is one and a half; beside a decimal comma, or with
        // every point grouping thousands, it is Danish.
        assert_eq!(NumberStyle::detect(["1.544", "2.5"]), Some(NumberStyle::PLAIN));
        assert_eq!(NumberStyle::detect(["1.544", "2,5"]), Some(DA));
        assert_eq!(NumberStyle::detect(["1.860", "123.456", "12", ".."]), Some(DA));
        assert_eq!(NumberStyle::detect(["0.125", "0.250"]), Some(NumberStyle::PLAIN));
    }

    #[test]
    fn formatting_groups_thousands() {
        assert_eq!(format(1544.5, 2, DA), "1.544,50");
        assert_eq!(format(-12_200_000.0, 0, DA), "-12.200.000");
        assert_eq!(format(1544.5, 1, EN), "1,544.5");
        assert_eq!(format(-0.0001, 2, DA), "0,00");
    }
}

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

    /// The first of plain, Danish and English that reads every cell of `cells`; plain is tried
    /// only when no cell holds a comma. So `1.544` beside `2.5` is one and a half, and beside
    /// `2,5` fifteen hundred and more. `None` when no style reads every cell.
    pub fn detect<'a>(cells: impl IntoIterator<Item = &'a str> + Clone) -> Option<NumberStyle> {
        let comma = cells.clone().into_iter().any(|c| c.contains(','));
        let candidates: &[NumberStyle] = if comma {
            &[NumberStyle::DANISH, NumberStyle::ENGLISH]
        } else {
            &[NumberStyle::PLAIN, NumberStyle::DANISH, NumberStyle::ENGLISH]
        };
        candidates.iter().copied().find(|s| cells.clone().into_iter().all(|c| parse(c, *s).is_ok()))
    }
}

/// Why a cell is not a number, for the error message.
pub fn expected(style: NumberStyle) -> String {
    format!("a number ({}); empty or `..` for missing", style.describe())
}

/// Parses one cell in `style`. Errors carry nothing: the caller knows the row and column.
pub fn parse(text: &str, style: NumberStyle) -> Result<Cell, ()> {
    let t = text.trim().trim_matches('\u{a0}');
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t == "-" {
        return Ok(Cell::Missing);
    }
    if t == ".." {
        return Ok(Cell::Suppressed);
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
        return Err(());
    }
    let digits = grouped_digits(int, style.thousands)?;
    if digits.is_empty() && frac.is_none() {
        return Err(());
    }
    let canonical = format!(
        "{sign}{}{}",
        if digits.is_empty() { "0" } else { &digits },
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    let v: f64 = canonical.parse().map_err(|_| ())?;
    if v.is_finite() { Ok(Cell::Value(v)) } else { Err(()) }
}

/// The digits of an integer part, with thousands groups (of exactly three after the first
/// group of one to three) checked and removed. A space or no-break space groups too.
fn grouped_digits(int: &str, thousands: Option<char>) -> Result<String, ()> {
    let separators = |c: char| Some(c) == thousands || c == ' ' || c == '\u{a0}';
    if !int.contains(separators) {
        return if int.bytes().all(|c| c.is_ascii_digit()) { Ok(int.to_string()) } else { Err(()) };
    }
    let groups: Vec<&str> = int.split(separators).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    if first_ok && rest_ok && groups.iter().all(|g| g.bytes().all(|c| c.is_ascii_digit())) {
        Ok(groups.concat())
    } else {
        Err(())
    }
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
        assert_eq!(parse("1.544,50", DA), Ok(Cell::Value(1544.5)));
        assert_eq!(parse("1544,5", DA), Ok(Cell::Value(1544.5)));
        assert_eq!(parse("1 544,5", DA), Ok(Cell::Value(1544.5)));
        assert_eq!(parse("-0,8", DA), Ok(Cell::Value(-0.8)));
        assert_eq!(parse("\u{2212}0,8", DA), Ok(Cell::Value(-0.8)));
        assert_eq!(parse("12.200.000", DA), Ok(Cell::Value(12_200_000.0)));
        assert_eq!(parse("1,544.50", EN), Ok(Cell::Value(1544.5)));
        assert_eq!(parse(",5", DA), Ok(Cell::Value(0.5)));
        assert_eq!(parse("..", DA), Ok(Cell::Suppressed));
        assert_eq!(parse("", DA), Ok(Cell::Missing));
        assert_eq!(parse(" NA ", EN), Ok(Cell::Missing));
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in
            ["1.5", "1.54,5", "12.34.567", "1,5,5", "1,", "abc", "1e5", "inf", "NaN", "--1", "1.544,5x", ",", "+"]
        {
            assert_eq!(parse(bad, DA), Err(()), "{bad:?}");
        }
        assert_eq!(parse("1,5", EN), Err(()));
        assert_eq!(parse("1.544", EN), Ok(Cell::Value(1.544)));
    }

    #[test]
    fn the_style_comes_from_the_whole_column() {
        assert_eq!(NumberStyle::detect(["1", "2", "..", ""]), Some(NumberStyle::PLAIN));
        assert_eq!(NumberStyle::detect(["74,1", "1.544,5"]), Some(DA));
        assert_eq!(NumberStyle::detect(["74.1", "1,544.5"]), Some(EN));
        assert_eq!(NumberStyle::detect(["74,1", "74.1"]), None);
        // `1.544` alone is plain (one and a half); beside a decimal comma it is Danish.
        assert_eq!(NumberStyle::detect(["1.544", "2.5"]), Some(NumberStyle::PLAIN));
        assert_eq!(NumberStyle::detect(["1.544", "2,5"]), Some(DA));
    }

    #[test]
    fn formatting_groups_thousands() {
        assert_eq!(format(1544.5, 2, DA), "1.544,50");
        assert_eq!(format(-12_200_000.0, 0, DA), "-12.200.000");
        assert_eq!(format(1544.5, 1, EN), "1,544.5");
        assert_eq!(format(-0.0001, 2, DA), "0,00");
    }
}

use super::*;

#[test]
fn every_key_is_unique_and_has_both_languages_with_the_same_placeholders() {
    let mut keys: Vec<&str> = entries().map(|(k, _, _)| *k).collect();
    for (key, da, en) in entries() {
        assert!(!da.trim().is_empty() && !en.trim().is_empty(), "`{key}` lacks a language");
        // The period words are one value in different forms: languages may pick different ones.
        let words = ["period", "periods", "a_period", "the_period", "the_periods", "Periods", "per_period"];
        let norm = |p: &str| -> Vec<String> {
            placeholders(p).into_iter().map(|n| if words.contains(&n.as_str()) { "period".into() } else { n }).collect()
        };
        let mut a = norm(da);
        let mut b = norm(en);
        a.sort();
        b.sort();
        a.dedup();
        b.dedup();
        assert_eq!(a, b, "`{key}`: Danish and English take different values");
    }
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a key is in the table twice");
}

#[test]
fn no_phrase_hard_codes_a_level_or_a_period() {
    // Durations and savings are computed on monthly and daily data; their phrases may say so.
    let monthly = ["alt_spending", "savings_", "method_savings", "method_durations", "durations_"];
    for (key, da, en) in entries() {
        for text in [da, en] {
            assert!(!text.contains("95"), "`{key}` hard-codes the interval level: {text}");
            assert!(!text.contains("2,5") && !text.contains("2.5"), "`{key}` hard-codes half the error rate: {text}");
            if !monthly.iter().any(|m| key.starts_with(m)) {
                let lower = text.to_lowercase();
                assert!(!lower.contains("måned") && !lower.contains("month"), "`{key}` speaks of months: {text}");
            }
        }
    }
}

#[test]
fn filling_is_one_pass_and_names_what_is_missing() {
    let (text, missing) = fill("{a} og {b} {c}", &[("a", "{b}".into()), ("b", "2".into())]);
    assert_eq!(text, "{b} og 2 {c}");
    assert_eq!(missing, ["c"]);
    // Braces that are not placeholders stay as they are.
    assert_eq!(fill("{ x } {}", &[]).0, "{ x } {}");
    assert_eq!(text_of("ci", Lang::Da, 0.9), "90 %-konfidensinterval");
    assert_eq!(text_of("ci", Lang::En, 0.95), "95% confidence interval");
}

fn text_of(key: &str, lang: Lang, conf: f64) -> String {
    text(key, lang, &[level(conf, lang)])
}

#[test]
fn periods_fill_every_period_placeholder() {
    let args = period_args(Some(Frequency::Year), Lang::Da);
    assert_eq!(text("event_axis", Lang::Da, &args), "År fra forsøgsstart");
    let args = period_args(Some(Frequency::Quarter), Lang::En);
    assert_eq!(text("event_axis", Lang::En, &args), "Quarters from trial start");
    let args = period_args(None, Lang::Da);
    assert!(
        text("method_twfe", Lang::Da, &[&args[..], &[level(0.9, Lang::Da)]].concat()).contains("kommune og periode")
    );
}

/// Every file under `dir` whose name ends in one of `exts`, with its text.
fn sources(dir: &std::path::Path, exts: &[&str], out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, exts, out);
        } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The keys given as the first argument of `t(` or `text(` calls (any whitespace before the
/// literal, so calls broken over lines count).
fn called_keys(code: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for call in ["t(", "text("] {
        let mut from = 0;
        while let Some(i) = code[from..].find(call) {
            let at = from + i;
            from = at + call.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = code[from..].trim_start();
            if let Some(lit) = rest.strip_prefix('"')
                && let Some(end) = lit.find('"')
            {
                keys.push(lit[..end].to_string());
            }
        }
    }
    keys
}

#[test]
fn every_key_the_code_names_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &[".rs"], &mut files);
    let mut checked = 0;
    for (path, code) in &files {
        if path.contains("wording") {
            continue;
        }
        for key in called_keys(code) {
            assert!(phrase(&key, Lang::Da).is_some(), "{path} names wording `{key}`, which the table lacks");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} calls found: the scan is broken");
}

#[test]
fn every_key_a_template_names_exists_and_needs_only_the_study_wide_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
    let mut files = Vec::new();
    sources(&root, &[".typ", ".html", ".md"], &mut files);
    let strings = strings(Lang::En, 0.9, Some(Frequency::Year));
    let mut checked = 0;
    for (path, text) in &files {
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices("t.") {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let key: String = text[i + 2..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if key.is_empty() || !bytes[i + 2].is_ascii_lowercase() {
                continue;
            }
            assert!(phrase(&key, Lang::En).is_some(), "{path} names `t.{key}`, which the table lacks");
            assert!(strings.contains_key(&key), "{path} names `t.{key}`, which needs values a template cannot give");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} template keys found: the scan is broken");
}

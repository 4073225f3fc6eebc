//! Names from a study or data file reach every report literally: a study whose trial, component,
//! outcome, theme and municipality names hold HTML, typst markup, Markdown, TeX-style dollars
//! and spreadsheet formulas renders them as text in the PDF, the HTML page (opened in headless
//! Chromium: no console messages, no injected element, a phone-width screenshot), the Markdown
//! summary and the CSV.
//!
//! The PDF and browser checks need poppler (`pdftotext`) and Chromium. Where they are missing
//! (a research server without root or network) those checks say they are skipped and the rest
//! still runs; `.ci/run` installs the tools with `scripts/install-tools.sh` and sets
//! `FRIKOMMUNE_REQUIRE_TOOLS=1`, which makes a missing tool a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const TRIAL: &str = "Rehab <script>alert(1)</script> & co";
const COMPONENT: &str = "=HYPERLINK(\"http://x\",\"klik\")";
const OUTCOME: &str = "Varighed #read(\"secret.txt\") $x^2$ *fed* _kursiv_";
const THEME: &str = "Tema | med [link](http://x) og `kode`";
const MUNICIPALITY: &str = "Morsø <b>fed</b> @sum";

/// Whether an external program is on the PATH; when it is not, says so on stderr, or fails when
/// `FRIKOMMUNE_REQUIRE_TOOLS` is set (CI).
fn tool(name: &str, check: &str) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("FRIKOMMUNE_REQUIRE_TOOLS").is_none(),
            "`{name}` is required here (FRIKOMMUNE_REQUIRE_TOOLS is set): run scripts/install-tools.sh"
        );
        eprintln!("SKIPPED: {check} — `{name}` is not installed (scripts/install-tools.sh installs it)");
    }
    found
}

fn edit(text: &mut String, from: &str, to: &str) {
    assert!(text.contains(from), "fixture text `{from}` not found");
    *text = text.replace(from, to);
}

/// A copy of the example study with hostile names, its data, a renamed municipality, and a
/// secret file beside it that a typst `#read` would reveal.
fn hostile_study(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("example")).unwrap();
    for f in ["panel.csv", "cases.csv"] {
        std::fs::copy(repo().join("data/example").join(f), dir.join("example").join(f)).unwrap();
    }
    std::fs::write(dir.join("secret.txt"), "TOPSECRET-0042").unwrap();
    let registry = std::fs::read_to_string(repo().join("data/municipalities.csv")).unwrap();
    let registry = registry.replace("773,Morsø,", &format!("773,\"{MUNICIPALITY}\","));
    std::fs::write(dir.join("municipalities.csv"), registry).unwrap();
    let mut study = std::fs::read_to_string(repo().join("data/study.toml")).unwrap();
    edit(&mut study, "# municipalities = \"municipalities.csv\"", "municipalities = \"municipalities.csv\"");
    edit(&mut study, "\"Morsø\"", "\"773\"");
    edit(&mut study, "name = \"Rehabiliteringsteams, JAF-sager og LÆ265\"", &format!("name = '{TRIAL}'"));
    edit(
        &mut study,
        "name = \"Første jobafklaringsforløb uden rehabiliteringsteam\"",
        &format!("name = '{COMPONENT}'"),
    );
    edit(&mut study, "label = \"Varighed af afsluttede jobafklaringsforløb\"", &format!("label = '{OUTCOME}'"));
    edit(
        &mut study,
        "label_en = \"Duration of completed job clarification courses\"",
        &format!("label_en = '{OUTCOME}'"),
    );
    // The English names too: the example writes English documents under en/.
    edit(
        &mut study,
        "name_en = \"Rehabilitation teams, job clarification cases and LÆ265\"",
        &format!("name_en = '{TRIAL}'"),
    );
    edit(
        &mut study,
        "name_en = \"First job clarification course without the rehabilitation team\"",
        &format!("name_en = '{COMPONENT}'"),
    );
    edit(
        &mut study,
        "theme = \"Færre proceskrav i rehabiliteringsteams og med lægeattester\"\ntheme_en = \"Fewer procedural requirements in rehabilitation teams and for medical certificates\"\nnetwork = \"KKR Nordjylland\"\nend = \"2023-12-31\"               # after",
        &format!(
            "theme = '{THEME}'\ntheme_en = '{THEME}'\nnetwork = \"KKR Nordjylland\"\nend = \"2023-12-31\"               # after"
        ),
    );
    let path = dir.join("study.toml");
    std::fs::write(&path, study).unwrap();
    path
}

fn chromium(args: &[&str], page: &Path) -> (String, String) {
    let o = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn hostile_names_render_literally_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let study = hostile_study(dir.path());
    let out = dir.path().join("out");
    let o =
        Command::new(env!("CARGO_BIN_EXE_frikommune")).arg("run").arg(&study).arg("--out").arg(&out).output().unwrap();
    assert!(o.status.success(), "run failed: {}", String::from_utf8_lossy(&o.stderr));
    let folder = out.join("nordjylland-eksempel");

    // PDF: the names as text; typst markup in them did nothing (no secret read). The same in
    // the English report and both pixis.
    let pdfs: &[&str] = if tool("pdftotext", "the names as text in the PDFs") {
        &["report.pdf", "en/report.pdf", "pixi.pdf", "en/pixi.pdf"]
    } else {
        &[]
    };
    for pdf in pdfs {
        let out = Command::new("pdftotext").arg(folder.join(pdf)).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
        let names: &[&str] = if pdf.ends_with("report.pdf") {
            &[
                "<script>alert(1)</script>",
                "#read(\"secret.txt\")",
                "$x^2$ *fed* _kursiv_",
                "=HYPERLINK(",
                "Morsø <b>fed</b>",
            ]
        } else {
            // The pixi names trials and themes, not components or municipalities.
            &["<script>alert(1)</script>", "Tema | med [link](http://x) og `kode`"]
        };
        for name in names {
            assert!(text.contains(name), "{pdf} does not show `{name}` literally");
        }
        assert!(!text.contains("TOPSECRET"), "{pdf} revealed secret.txt");
    }

    // HTML: escaped in the source; in the browser no injected element, no console message,
    // and the names are the visible text.
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        html.contains("Rehab &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; co"),
        "HTML escaping of the trial name"
    );
    assert!(!html.contains("<script") && !html.contains("<b>fed"), "raw markup from a name reached the HTML");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page must not reference the network");
    if tool("chromium", "the HTML report opened in headless Chromium") {
        browser_checks(dir.path(), &folder);
    }

    // Chart SVGs (shown through data URIs, also files of their own) carry the names as text.
    let mut svgs = 0;
    for entry in std::fs::read_dir(folder.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(
                !svg.contains("<script") && !svg.contains("<b>fed"),
                "{} has raw markup from a name",
                path.display()
            );
            svgs += 1;
        }
    }
    assert!(svgs > 10);

    // Markdown: markup characters escaped, so the names render as text.
    let md = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(md.contains("Rehab \\<script\\>alert(1)\\</script\\> \\& co"), "Markdown escaping of the trial name");
    assert!(md.contains("Tema \\| med \\[link\\](http://x) og \\`kode\\`"), "Markdown escaping of the theme");

    // CSV: the component name is there, neutralised so a spreadsheet shows it as text.
    let mut csv = csv::Reader::from_path(folder.join("results.csv")).unwrap();
    let names: Vec<String> = csv.records().map(|r| r.unwrap()[21].to_string()).collect();
    assert!(names.iter().any(|n| n == &format!("'{COMPONENT}")), "component names: {names:?}");
    assert!(names.iter().all(|n| !n.starts_with(['=', '+', '-', '@'])));
}

/// The HTML report in headless Chromium: no injected element, no console message, the names as
/// visible text, a phone-width screenshot, alt text on every figure and header cells on every table.
fn browser_checks(dir: &Path, folder: &Path) {
    let page = folder.join("report.html");
    let (dom, log) = chromium(&["--dump-dom"], &page);
    assert!(!dom.contains("<script"), "the browser's DOM has a script element");
    assert!(
        dom.contains("Rehab &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
        "the DOM shows the trial name as text"
    );
    assert!(dom.contains("Morsø &lt;b&gt;fed&lt;/b&gt; @sum"), "the DOM shows the municipality name as text");
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let shot = dir.join("phone.png");
    chromium(&["--window-size=412,915", &format!("--screenshot={}", shot.display())], &page);
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[1..4], b"PNG");
    let (w, h) =
        (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
    assert_eq!((w, h), (412, 915));
    assert!(png.len() > 20_000, "the screenshot looks blank ({} bytes)", png.len());
    // Every figure has its alt text; every table has header cells.
    assert_eq!(dom.matches("<img ").count(), dom.matches("<img src=\"data:image/svg+xml;base64,").count());
    assert!(
        dom.split("<img ").skip(1).all(|img| img.split('>').next().unwrap().contains(" alt=\"")),
        "an image lacks alt"
    );
    assert_eq!(dom.matches("<table>").count(), dom.matches("<thead>").count());
}

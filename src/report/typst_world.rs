//! The one place that talks to typst (pinned `=0.15.1`): a minimal `World` that serves one
//! template, in-memory files (charts) and embedded fonts, and compiles to PDF.
//!
//! Data reach the template as `sys.inputs.data` (a JSON string decoded in typst), never spliced
//! into markup, so names from a study file cannot inject typst code. `today` is fixed and the PDF
//! gets a stable identifier, so the same inputs give byte-identical PDFs.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Smart, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

struct ReportWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    files: HashMap<FileId, Bytes>,
}

fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("invalid path {path}: {e:?}"))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

fn embedded_fonts() -> Vec<Font> {
    [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
        dejavu::sans_mono::regular(),
    ]
    .into_iter()
    .flat_map(|b| Font::iter(Bytes::new(b)))
    .collect()
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.get().vpath().get_with_slash().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(id.get().vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Datetime::from_ymd(2000, 1, 1)
    }
}

/// A typeset document: the PDF bytes and the text of each page (for checks of what readers see).
pub struct Typeset {
    pub pdf: Vec<u8>,
    pub pages: Vec<String>,
}

fn frame_text(frame: &typst::layout::Frame, out: &mut String) {
    use typst::layout::FrameItem;
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => frame_text(&g.frame, out),
            FrameItem::Text(t) => {
                out.push_str(&t.text);
                out.push(' ');
            }
            _ => {}
        }
    }
}

/// Compiles `template` to PDF with `data` (JSON text) as `sys.inputs.data` and `files` (virtual
/// path → bytes) readable by `image(...)`.
/// Typesets `template` over a JSON view, with the charts served under `/charts/…`.
pub fn typeset_view(
    template: &str,
    view: &serde_json::Value,
    charts: &[(String, Vec<u8>)],
    ident: &str,
) -> Result<Typeset, super::RenderError> {
    let json = serde_json::to_string(view)?;
    let files: Vec<(String, Vec<u8>)> = charts.iter().map(|(p, b)| (format!("/{p}"), b.clone())).collect();
    compile_pdf(template, &json, &files, ident).map_err(super::RenderError::Typeset)
}

pub fn compile_pdf(template: &str, data: &str, files: &[(String, Vec<u8>)], ident: &str) -> Result<Typeset, String> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Value::Str(data.into()));
    let library = Library::builder().with_inputs(inputs).build();
    let fonts = embedded_fonts();
    let book = FontBook::from_fonts(&fonts);
    let main = Source::new(file_id("/main.typ")?, template.to_string());
    let mut map = HashMap::new();
    for (path, bytes) in files {
        map.insert(file_id(path)?, Bytes::new(bytes.clone()));
    }
    let world = ReportWorld { library: LazyHash::new(library), book: LazyHash::new(book), fonts, main, files: map };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| describe(&world, &errors))?;
    let options = typst_pdf::PdfOptions { ident: Smart::Custom(ident.to_string()), ..Default::default() };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| describe(&world, &errors))?;
    let pages = document
        .pages()
        .iter()
        .map(|p| {
            let mut text = String::new();
            frame_text(&p.frame, &mut text);
            text
        })
        .collect();
    Ok(Typeset { pdf, pages })
}

fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let at = world
                .range(e.span)
                .map(|r| {
                    let line = world.main.text()[..r.start].matches('\n').count() + 1;
                    format!("template line {line}: ")
                })
                .unwrap_or_default();
            format!("{at}{}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

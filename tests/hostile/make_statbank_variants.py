"""Writes Statbank exports in the shapes statistikbanken.dk delivers them, modelled on the real
RAS200 export (../shared/realdata/RAS200.xlsx): a title line and a unit line, blank headers over
the dimension columns, each dimension value written once in the first row of its block, the
areas in DST's order and English spellings (All Denmark, regions, provinces, municipalities,
Christiansø), years as columns or as rows, and footnotes below. The numbers are synthetic:

    value(area #i, year y) = 70 + 0.05 * i + 0.2 * (y - 2010), with one decimal

so tests/statbank_variants.rs can check every variant reads to the same panel. Standard library
only; deterministic.

    python3 tests/hostile/make_statbank_variants.py

Valid variants go to tests/fixtures/statbank/, broken ones to tests/hostile/files/ (the
catalogue says what their errors must say).
"""

import pathlib
import zipfile
from xml.sax.saxutils import escape

here = pathlib.Path(__file__).resolve().parent
valid = here.parent / "fixtures" / "statbank"
hostile = here / "files"
valid.mkdir(exist_ok=True)

TITLE = "Activity and employment rates (end November) by frequency, sex, age, ancestry, region and time"
UNIT = "Units: Per cent"
DIMS = ["Employment rate", "Total", "16-64 years", "Total"]
YEARS = list(range(2010, 2022))
# The areas as RAS200 lists them (DST's English table), aggregates and Christiansø included.
AREAS = """All Denmark|Region Hovedstaden|Province Byen København|Copenhagen|Frederiksberg|Dragør|Tårnby|
Province Københavns omegn|Albertslund|Ballerup|Brøndby|Gentofte|Gladsaxe|Glostrup|Herlev|Hvidovre|Høje-Taastrup|
Ishøj|Lyngby-Taarbæk|Rødovre|Vallensbæk|Province Nordsjælland|Allerød|Egedal|Fredensborg|Frederikssund|Furesø|
Gribskov|Halsnæs|Helsingør|Hillerød|Hørsholm|Rudersdal|Province Bornholm|Bornholm|Christiansø|Region Sjælland|
Province Østsjælland|Greve|Køge|Lejre|Roskilde|Solrød|Province Vest- og Sydsjælland|Faxe|Guldborgsund|Holbæk|
Kalundborg|Lolland|Næstved|Odsherred|Ringsted|Slagelse|Sorø|Stevns|Vordingborg|Region Syddanmark|Province Fyn|
Assens|Faaborg-Midtfyn|Kerteminde|Langeland|Middelfart|Nordfyns|Nyborg|Odense|Svendborg|Ærø|Province Sydjylland|
Billund|Esbjerg|Fanø|Fredericia|Haderslev|Kolding|Sønderborg|Tønder|Varde|Vejen|Vejle|Aabenraa|Region Midtjylland|
Province Østjylland|Favrskov|Hedensted|Horsens|Norddjurs|Odder|Randers|Samsø|Silkeborg|Skanderborg|Syddjurs|
Aarhus|Province Vestjylland|Herning|Holstebro|Ikast-Brande|Lemvig|Ringkøbing-Skjern|Skive|Struer|Viborg|
Region Nordjylland|Province Nordjylland|Brønderslev|Frederikshavn|Hjørring|Jammerbugt|Læsø|Mariagerfjord|Morsø|
Rebild|Thisted|Vesthimmerlands|Aalborg""".replace("\n", "").split("|")
assert len(AREAS) == 1 + 5 + 11 + 98 + 1, len(AREAS)
FOOTNOTES = ["Source: Statistics Denmark, statistikbanken.dk/RAS200", "Note: from 2021 a new population base."]


def value(i, year):
    return round(70 + 0.05 * i + 0.2 * (year - 2010), 1)


def wide_rows():
    """Title, unit, header (blank dimension headers, years), then one row per area with the
    dimensions written in the first row only."""
    rows = [[TITLE], [UNIT], [""] * (len(DIMS) + 1) + [str(y) for y in YEARS]]
    for i, area in enumerate(AREAS):
        dims = DIMS if i == 0 else [""] * len(DIMS)
        rows.append(dims + [area] + [value(i, y) for y in YEARS])
    return rows


def text(rows, sep, decimal, footnotes=True):
    def cell(c):
        if isinstance(c, float):
            return f"{c:.1f}".replace(".", decimal)
        return c
    lines = [sep.join(cell(c) for c in r) for r in rows]
    if footnotes:
        lines += [""] + FOOTNOTES
    return "\n".join(lines) + "\n"


def xlsx(path, rows):
    def col(i):
        s = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        return s
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{col(c)}{r}"
            if v == "":
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(body)}</sheetData></worksheet>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="RAS200" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet.xml"/></Relationships>',
        "xl/worksheets/sheet.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data)


rows = wide_rows()
# Valid: the xlsx as downloaded; the same as Latin-1 `;` CSV with decimal commas and footnotes;
# as UTF-8 `,` CSV with a BOM and decimal points, without title lines.
xlsx(valid / "ras200_wide.xlsx", rows)
(valid / "ras200_wide_latin1.csv").write_bytes(text(rows, ";", ",").encode("latin-1"))
(valid / "ras200_wide_utf8.csv").write_bytes(b"\xef\xbb\xbf" + text(rows[2:], ",", ".", footnotes=False).encode("utf-8"))
# Valid: time as rows — blank dimension headers, the area written once per block of years,
# Statbank's TID codes (2010, …) in their own column, decimal commas, Latin-1.
long = [[TITLE], [UNIT], ["", "", "", "", "", ""]]
for i, area in enumerate(AREAS):
    for k, y in enumerate(YEARS):
        dims = DIMS if i == 0 and k == 0 else [""] * len(DIMS)
        long.append(dims[:3] + [area if k == 0 else "", str(y), value(i, y)])
(valid / "ras200_long_latin1.csv").write_bytes(text(long, ";", ",").encode("latin-1"))

# Broken: a blank-header dimension with two values (both sexes exported) and no filter; the
# error must name the column by its letter and the filter to write.
two = [rows[0], rows[1], rows[2]]
for sex in ["Men", "Women"]:
    for i, area in enumerate(AREAS[:20]):
        first = i == 0
        two.append(([DIMS[0], sex, DIMS[2], DIMS[3]] if first else ["", "", "", ""]) + [area] + [value(i, y) for y in YEARS])
(hostile / "statbank_two_sexes.csv").write_bytes(text(two, ";", ",").encode("latin-1"))
# Broken: areas nobody can resolve (a table of something else), so no column is the area column.
odd = [rows[0], rows[1], rows[2]] + [DIMS + [f"Zone {i}"] + [value(i, y) for y in YEARS] for i in range(10)]
(hostile / "statbank_no_areas.csv").write_bytes(text(odd, ";", ",").encode("latin-1"))
print("wrote", sorted(p.name for p in valid.iterdir()), "and two hostile variants")

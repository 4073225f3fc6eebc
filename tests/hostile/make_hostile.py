"""Writes the hostile input files of tests/hostile/files/ (the catalogue, catalogue.toml, says
how each is used and what error it must give). Deterministic; standard library only. Inputs
found by the fuzz targets (fuzz/) are committed there as they were found and left alone here.

    python3 tests/hostile/make_hostile.py
"""

import io
import pathlib
import random
import zipfile

out = pathlib.Path(__file__).resolve().parent / "files"
out.mkdir(exist_ok=True)
rng = random.Random(20261122)
LONG = "municipality,period,outcome,value,n\n"
GOOD = "Aalborg,2019M01,share,50,100\n"


def put(name, data):
    (out / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# ── Panels (long layout) ─────────────────────────────────────────────────────────────────
put("panel_empty.csv", b"")
put("panel_only_header.csv", LONG)
put("panel_truncated_quote.csv", LONG + GOOD + 'Aalborg,2019M02,share,"5')
put("panel_binary_garbage.csv", bytes(rng.randrange(256) for _ in range(4096)))
put("panel_png.csv", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(512)))
put("panel_nan.csv", LONG + GOOD + "Aalborg,2019M02,share,NaN,100\n")
put("panel_inf.csv", LONG + GOOD + "Aalborg,2019M02,share,inf,100\n")
put("panel_share_above_100.csv", LONG + GOOD + "Aalborg,2019M02,share,150,100\n")
put("panel_negative_share.csv", LONG + GOOD + "Aalborg,2019M02,share,-5,100\n")
put("panel_formula.csv", LONG + GOOD + "Aalborg,2019M02,share,=1+1,100\n")
put("panel_hyperlink.csv", LONG + GOOD + 'Aalborg,2019M02,share,"=HYPERLINK(""http://x"",""klik"")",100\n')
put("panel_unknown_municipality.csv", LONG + GOOD + "Atlantis,2019M02,share,50,100\n")
put("panel_bad_period.csv", LONG + GOOD + "Aalborg,2019M13,share,50,100\n")
put("panel_quarter_period.csv", LONG + GOOD + "Aalborg,2019K2,share,50,100\n")
put("panel_duplicate.csv", LONG + GOOD + GOOD)
put("panel_missing_value_column.csv", "municipality,period,outcome,n\nAalborg,2019M01,share,100\n")
put("panel_ragged.csv", LONG + GOOD + "Aalborg,2019M02,share,50,100,extra,cells\n")
put("panel_semicolons.csv", LONG.replace(",", ";") + GOOD.replace(",", ";"))
put("panel_nul_bytes.csv", (LONG + GOOD).encode() + b"Aalb\x00org,2019M02,share,50,100\n")
put("panel_latin1.csv", (LONG + "K\xf8ge,2019M01,share,50,100\n").encode("latin-1"))
put("panel_old_mac_newlines.csv", (LONG + GOOD).replace("\n", "\r"))
put("panel_empty_outcome.csv", LONG + GOOD + "Aalborg,2019M02,,50,100\n")
put("panel_decimal_comma.csv", LONG + GOOD + 'Aalborg,2019M02,share,"50,5",100\n')
put("panel_huge_number.csv", LONG + GOOD + "Aalborg,2019M02,share,1e400,100\n")
put("panel_negative_n.csv", LONG + GOOD.replace(",100", ",-3"))
put("panel_mixed_frequency.csv", LONG + GOOD + "Aalborg,2019K1,share,50,100\n")
put("panel_quarter_misaligned.csv", "municipality,period,frequency,outcome,value\nAalborg,2019-02-01,quarter,share,50\n")
put("panel_bad_frequency.csv", "municipality,period,frequency,outcome,value\nAalborg,2019-01-01,weekly,share,50\n")
put("panel_gap.csv", LONG + GOOD + "Aalborg,2019M02,share,,100\nAalborg,2019M05,share,50,100\n")

# ── Statistical tables ([[data.sources]]) ────────────────────────────────────────────────
put("source_no_header.csv", "1;2;3\n4;5;6\n")
put("source_no_period.csv", "Område;Værdi\nAalborg;5\n")
put("source_combined_area.csv", "Område;2019M01\nFrederikshavn/Læsø;5\n")
put("source_unfiltered_dimension.csv", "OMRÅDE;KØN;TID;INDHOLD\nAalborg;Mænd;2019M01;50\nAalborg;Kvinder;2019M01;52\n")
put("source_mixed_frequency.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;50\nAalborg;2019K1;50\n")
put("source_moving_year.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019QMAT01;50\nAalborg;2019QMAT02;51\n")
put("source_weekly.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019U01;50\nAalborg;2019U02;51\n")
put("source_bad_number.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;5x0\n")
put("source_mixed_styles.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;74,1\nAalborg;2019M02;74.1\n")
put("source_unterminated_quote.csv", 'OMRÅDE;TID;INDHOLD\n"Aalborg;2019M01;50\n')
put("source_binary.csv", b"\x00\x01\x02\x03" * 1024)
put("source_formula.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;=SUM(A1:A9)\n")
put("source_percent_over_100.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;101,5\n")
put("source_week_53.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019U53;50\n")
put("source_unknown_area.csv", "OMRÅDE;TID;INDHOLD\nAalborgg;2019M01;50\n")
put("source_bad_period_header.csv", "Område;2019M01;2019M13\nAalborg;5;6\n")
put("source_missing_filter_column.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;50\n")
put("source_utf8_declared_latin1.csv", "OMRÅDE;TID;INDHOLD\nKøge;2019M01;50\n".encode("latin-1"))
put("source_duplicate_month.csv", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;50\nAalborg;2019M01;51\n")
put("source_not_a_workbook.xlsx", "OMRÅDE;TID;INDHOLD\nAalborg;2019M01;50\n")
zip_bytes = io.BytesIO()
with zipfile.ZipFile(zip_bytes, "w") as z:
    z.writestr(zipfile.ZipInfo("hello.txt", date_time=(2020, 1, 1, 0, 0, 0)), "not a workbook")
put("source_zip_not_workbook.xlsx", zip_bytes.getvalue())
put("source_truncated_workbook.xlsx", zip_bytes.getvalue()[:40])
JSON_HEAD = '[{"Variables": [{"Label": "Område"}, {"Label": "Periode"}, {"Label": "Antal"}], "Data": ['
put("source_json_truncated.json", JSON_HEAD + '["Aalborg", "2019M01", 5')
put("source_json_deep_nesting.json", "[" * 100000 + "]" * 100000)
put("source_json_error_response.json", '{"Message": "Authorization has been denied for this request."}')
put("source_json_ragged_row.json", JSON_HEAD + '["Aalborg", "2019M01", 5], ["Aalborg", "2019M02"]]}]')
put("source_json_bad_value.json", JSON_HEAD + '["Aalborg", "2019M01", {"value": 5}]]}]')
put("source_json_latin1.json", (JSON_HEAD + '["Køge", "2019M01", 5]]}]').encode("latin-1"))

# ── Case files ───────────────────────────────────────────────────────────────────────────
CASES = "case_id,municipality,start,end\n"
put("cases_end_before_start.csv", CASES + "1,Aalborg,2019-05-01,2019-01-01\n")
put("cases_bad_date.csv", CASES + "1,Aalborg,2019-13-01,\n")
put("cases_unknown_municipality.csv", CASES + "1,Atlantis,2019-05-01,2019-06-01\n")
put("cases_missing_column.csv", "case_id,municipality,start\n1,Aalborg,2019-05-01\n")
put("cases_old_mac_newlines.csv", (CASES + "1,Aalborg,2019-05-01,2019-06-01\n").replace("\n", "\r"))
put("cases_binary.csv", bytes(rng.randrange(256) for _ in range(2048)))

# ── Study files ──────────────────────────────────────────────────────────────────────────
put("study_binary.toml", bytes(rng.randrange(256) for _ in range(1024)))
put("study_not_toml.toml", "[study\nname = \n")
put("study_unknown_section.toml", "[studdy]\nname = \"x\"\n")
print(len(list(out.iterdir())), "files in", out)

"""pyfixest's TWFE with CR1 on the real RAS200 export, for tests/real_data.rs.

The data are not part of the repository: the script reads the long CSV that a user (or the
test machine, under ../shared/realdata/) has. Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install pyfixest pandas numpy
    /tmp/refenv/bin/python tests/reference/make_ras200_fixture.py ../shared/realdata/RAS200_long.csv

Writes tests/fixtures/ras200_reference.json: the estimate and its standard error only (no data).
The design is examples/ras200/study.toml's: the 11 North Jutland municipalities from 2016, all
other 87 municipalities as comparison, years 2008-2020 (8 pre-years, the evaluation ends 2020),
Christiansø left out.
"""
import json
import pathlib
import sys

import pandas as pd
import pyfixest as pf

NORTH_JUTLAND = {
    "Aalborg", "Brønderslev", "Frederikshavn", "Hjørring", "Jammerbugt", "Læsø",
    "Mariagerfjord", "Morsø", "Rebild", "Thisted", "Vesthimmerlands",
}

path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/realdata/RAS200_long.csv")
df = pd.read_csv(path)
df = df[(df.municipality != "Christiansø") & (df.year >= 2008) & (df.year <= 2020)].copy()
assert df.municipality.nunique() == 98, df.municipality.nunique()
assert NORTH_JUTLAND <= set(df.municipality), NORTH_JUTLAND - set(df.municipality)
df["treat"] = (df.municipality.isin(NORTH_JUTLAND) & (df.year >= 2016)).astype(int)
fit = pf.feols("empl ~ treat | municipality + year", data=df, vcov={"CRV1": "municipality"})
tidy = fit.tidy().loc["treat"]
reference = {
    "pyfixest_version": pf.__version__,
    "source": "Danmarks Statistik, statistikbanken.dk/RAS200 (the long CSV of ../shared/realdata)",
    "formula": "empl ~ treat | municipality + year, 98 municipalities, 2008-2020, treat = North Jutland from 2016",
    "vcov": "CRV1 by municipality (pyfixest default ssc)",
    "estimate": float(tidy["Estimate"]),
    "se": float(tidy["Std. Error"]),
    "n_obs": int(fit._N),
}
out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "ras200_reference.json"
out.write_text(json.dumps(reference, indent=2) + "\n")
print(json.dumps(reference, indent=2))

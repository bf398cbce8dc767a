"""The import report page names a column the file calls in English by its Chinese header
too: "经度（lon）", not "lon" inside a Chinese sentence."""

import pytest

from households.importing.report import ImportReport, Problem


@pytest.mark.parametrize(
    "field,shown",
    [
        ("lon", "经度（lon）"),
        ("id_number", "身份证号（id_number）"),
        ("Phone", "联系电话（Phone）"),
        ("village_code", "村编码（village_code）"),
        ("经度", "经度"),  # already Chinese
        ("remarks", "remarks"),  # a column no importer reads: as the file names it
        ("", ""),
    ],
)
def test_a_field_is_shown_with_its_chinese_header(field, shown):
    problem = Problem(3, field, "x")
    assert problem.shown() == str(Problem(3, shown, "x"))


def test_the_stored_report_keeps_the_chinese_names():
    report = ImportReport(kind="households", source="a.csv")
    report.error(3, "lat", "bad")
    report.warn(None, "members", "odd")
    stored = report.as_dict()
    assert "纬度（lat）" in stored["errors"][0] and "人口数（members）" in stored["warnings"][0]

"""The ETL's readers: Vietnamese text, numbers, SQL dumps, amendment and correction files."""

import pytest

from etl.corrections import CorrectionError, read_corrections
from etl.generations import AmendmentError, apply_amendment, read_amendments
from etl.normalize import parse_number
from etl.sqlvalues import insert_rows
from geodata.text import fold, nfc, same_name, tone_style


def test_fold_and_tone_placement():
    assert fold("Đặc khu Phú Quốc") == "dac khu phu quoc"
    assert fold("  HOÀN   Kiếm ") == "hoan kiem"
    assert tone_style("Hòa Bình") == "Hoà Bình" and tone_style("Thủy") == "Thuỷ" and tone_style("Hoàng") == "Hoàng"
    assert same_name("Xã Hòa An", "xã hoà an") and not same_name("Phó Bảng", "Phố Bảng")
    assert nfc("Ho\u0300a") == "Hòa"


@pytest.mark.parametrize(
    "text,decimal,value",
    [
        ("6.207,90", ",", 6207.9),
        ("1.429.841", ",", 1429841),
        ("3.74", ".", 3.74),
        ("đang cập nhật", ".", None),
        (None, ".", None),
        ("", ",", None),
    ],
)
def test_numbers(text, decimal, value):
    assert parse_number(text, decimal=decimal) == value


def test_sql_values_with_quotes():
    sql = "INSERT INTO wards(code,name,n) VALUES ('1','Ea H''Leo',3),\n ('2', NULL, -4.5);"
    assert list(insert_rows(sql, "wards")) == [
        {"code": "1", "name": "Ea H'Leo", "n": 3},
        {"code": "2", "name": None, "n": -4.5},
    ]


AMENDMENT = """[[instrument]]
id = "1/NQ"
effective = {effective}
sources = ["https://example.org/1-nq"]
changes = [{{ change = "{change}", level = "commune", code = "07840" }}]
"""


def test_amendment_errors_name_file_and_record(tmp_path):
    (tmp_path / "x.toml").write_text(AMENDMENT.format(effective='"2026-13-01"', change="retype"))
    with pytest.raises(AmendmentError, match=r"x.toml instrument 0 \(1/NQ\): effective '2026-13-01' is not a date"):
        read_amendments(tmp_path)
    (tmp_path / "x.toml").write_text(AMENDMENT.format(effective="2026-12-01", change="teleport"))
    with pytest.raises(AmendmentError, match=r"x.toml instrument 0 \(1/NQ\) change 0: unknown change 'teleport'"):
        read_amendments(tmp_path)
    (tmp_path / "x.toml").write_text(
        AMENDMENT.format(effective="2026-12-01", change="retype").replace("sources", "sauces")
    )
    with pytest.raises(AmendmentError, match="missing sources"):
        read_amendments(tmp_path)


def test_project_amendments_from_the_repository():
    """data/amendments: 14 changes of three instruments, each with its dates and sources."""
    from geodata.settings import DATA_DIR, get_settings

    assert get_settings().amendments_dir == DATA_DIR / "amendments"
    recs = read_amendments(DATA_DIR / "amendments")
    assert len(recs) == 14 and {r["instrument"] for r in recs} == {"36/2026/QH16", "39/2026/QH16", "388/NQ-UBTVQH16"}
    assert all(r["sources"] and r["signed"] < r["effective"] for r in recs)
    bac_ninh = [r for r in recs if r["instrument"] == "388/NQ-UBTVQH16"]
    assert {r["effective"] for r in bac_ninh} == {"2026-09-20"} and len(bac_ninh) == 12
    assert all(r["from"]["type"] == "xa" and r["to"]["type"] == "phuong" for r in bac_ninh)


def test_amendment_checks_from_side():
    state = {
        ("commune", "07840"): {
            "code": "07840",
            "level": "commune",
            "type": "xa",
            "name": "Hiệp Hoà",
            "full_name": "Xã Hiệp Hoà",
            "name_en": "Hiep Hoa",
            "full_name_en": "Hiep Hoa Commune",
        }
    }
    rec = {
        "where": "t",
        "change": "retype",
        "level": "commune",
        "code": "07840",
        "from": {"type": "phuong"},
        "to": {"type": "phuong", "name": "Phường Hiệp Hoà"},
    }
    with pytest.raises(AmendmentError, match="from.type"):
        apply_amendment(state, rec)
    rec["from"] = {"type": "xa"}
    apply_amendment(state, rec)
    assert state[("commune", "07840")]["full_name"] == "Phường Hiệp Hoà"
    assert state[("commune", "07840")]["full_name_en"] == "Hiep Hoa Ward"


def test_correction_file_validation(tmp_path):
    rec = (
        'id = "a"\ndataset = "units"\nkey = "1"\nfield = "code"\naction = "set"\nto = "2"\nreason = "r"\nsource = "s"\n'
    )
    (tmp_path / "c.toml").write_text(f"[[correction]]\n{rec}\n[[correction]]\n{rec}")
    with pytest.raises(CorrectionError, match="duplicate id"):
        read_corrections(tmp_path)
    (tmp_path / "c.toml").write_text(
        '[[correction]]\nid = "a"\ndataset = "planets"\nkey = "1"\nfield = "x"\n'
        'action = "set"\nto = "2"\nreason = "r"\nsource = "s"\n'
    )
    with pytest.raises(CorrectionError, match="dataset must be one of"):
        read_corrections(tmp_path)
    assert len(read_corrections()) > 900  # the project's own file parses

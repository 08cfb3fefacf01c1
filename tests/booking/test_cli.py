"""``ankommen bookings`` in its three formats, and ``ankommen db upgrade|downgrade``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from booking.service import BookingService
from bot.cli import main
from bot.storage import migrate
from tests.booking.conftest import NOW, RAW, make_config


@pytest.fixture
def staff_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    config_file = tmp_path / "booking.yml"
    config_file.write_text(yaml.safe_dump(RAW), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ANKOMMEN_BOOKING_CONFIG", str(config_file))
    migrate(url)
    service = BookingService(url, make_config())
    first, second = service.free_slots("ar", limit=2, now=NOW)
    service.book("p1", "web", first.id, "wohnen", "ar", "A. B.", "0231 555", now=NOW)
    service.book("p2", "telegram", second.id, "jobcenter", "ar", "C. D.", None, kim=True, now=NOW)
    service.cancel("p2", now=NOW)
    service.close()
    return url


def test_table(staff_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bookings", "--day", "2027-03-23"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "date",
        "time",
        "counsellor",
        "reference",
        "status",
        "language",
        "topic",
        "kim",
        "name",
        "phone",
    ]
    assert len(out) == 3
    assert "2027-03-23  09:00-10:00  Counsellor One" in out[1] and "active" in out[1] and "0231 555" in out[1]
    assert "cancelled" in out[2] and "yes" in out[2]


def test_csv(staff_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bookings", "--day", "2027-03-23", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["time"], r["status"], r["name"]) for r in rows] == [
        ("09:00-10:00", "active", "A. B."),
        ("10:00-11:00", "cancelled", "C. D."),
    ]


def test_ics(staff_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bookings", "--day", "2027-03-23", "--format", "ics"]) == 0
    out = capsys.readouterr().out
    assert out.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20270323T080000Z" in out  # 09:00 in Berlin, winter time


def test_an_empty_day_and_a_bad_date(staff_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bookings", "--day", "2027-03-27"]) == 0
    assert capsys.readouterr().out == "No bookings.\n"
    with pytest.raises(SystemExit):
        main(["bookings", "--day", "27.03.2027"])


def test_placeholders_are_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("ANKOMMEN_BOOKING_CONFIG", raising=False)  # the shipped file
    migrate(url)
    assert main(["bookings"]) == 0
    err = capsys.readouterr().err
    assert "WARNING: office.address is still a placeholder" in err


def test_db_upgrade_and_downgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "0002_booking" in capsys.readouterr().out
    assert main(["db", "downgrade"]) == 2  # a target is required
    assert main(["db", "downgrade", "-1"]) == 0
    assert "0001_baseline" in capsys.readouterr().out
    assert main(["db", "downgrade", "base"]) == 0
    assert "base" in capsys.readouterr().out
    assert main(["bookings"]) == 1  # no tables: says so
    assert "ankommen db upgrade" in capsys.readouterr().err

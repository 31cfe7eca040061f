"""`veche triage FILE`: the documented JSON-lines format, input order, ids, groups, errors."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

KEYS = {
    "id", "category", "reason", "topic", "department", "scores", "street", "house",
    "settlement", "lat", "lon", "place_unsure", "urgent", "urgent_reasons", "negativity",
    "aggressive", "obscene", "threat", "pii", "duplicate_group",
}  # fmt: skip
GAS = "Пахнет газом в подъезде дома 5 по ул. Ленина, звоните 8 900 123-45-67"
CAMPAIGN = (
    "Просим отремонтировать дорогу по улице Садовой от дома 1 до дома 40, асфальт разрушен "
    "полностью, после дождя проехать невозможно, автобус объезжает через поле."
)


def run(path: Path, *args: str) -> tuple[list[dict[str, object]], str]:
    out, err = StringIO(), StringIO()
    call_command("triage", str(path), *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_csv_in_cp1251_gives_one_line_per_text_in_order(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "text"])
        writer.writerow(
            ["a1", "Пахнет газом в подъезде дома 5 по ул. Ленина, звоните 8 900 123-45-67"]
        )
        writer.writerow(["a2", CAMPAIGN + " Жители дома 3."])
        writer.writerow(["a3", CAMPAIGN + " Жители дома 17, кв. 4."])
        writer.writerow(["a4", "Во дворе сломаны качели на детской площадке"])

    lines, errors = run(path, "--month", "1")

    assert errors == ""
    assert [line["id"] for line in lines] == ["a1", "a2", "a3", "a4"]
    assert all(set(line) == KEYS for line in lines)
    gas = lines[0]
    assert gas["urgent"] is True
    assert (gas["street"], gas["house"]) == ("улица Ленина", "5")
    pii = gas["pii"]
    assert isinstance(pii, list)
    assert [p["kind"] for p in pii] == ["phone"]
    assert lines[1]["duplicate_group"] == lines[2]["duplicate_group"] == "a2"
    assert lines[3]["duplicate_group"] == "a4"
    for line in lines:
        scores = line["scores"]
        assert isinstance(scores, dict)
        probabilities = [p for _, p in scores["category"]]
        assert probabilities == sorted(probabilities, reverse=True)
        assert line["category"] == scores["category"][0][0]
        departments = [p for _, p in scores["department"]]
        assert 1 <= len(departments) <= 5
        assert departments == sorted(departments, reverse=True)
        assert line["department"] == scores["department"][0][0]


def test_jsonl_with_a_broken_line_keeps_every_good_one(tmp_path: Path) -> None:
    path = tmp_path / "texts.jsonl"
    path.write_text(
        '{"id": 1, "text": "Не горит свет в парадной"}\n'
        "{not json\n"
        '{"id": 3, "body": "no text field"}\n'
        '{"text": "Прорвало трубу, затопило подвал"}\n',
        encoding="utf-8",
    )

    lines, errors = run(path)

    assert [line.get("id") for line in lines] == [1, None, 3, None]
    assert "error" in lines[1] and "error" in lines[2]
    assert lines[3]["urgent"] is True
    assert "строка 2: строка не JSON" in errors and "строка 3: нет текстового поля" in errors


def test_department_is_the_body_of_the_district_given_in_the_input(tmp_path: Path) -> None:
    light = "В парадной не горит свет на третьем этаже уже неделю"
    path = tmp_path / "texts.jsonl"
    path.write_text(
        json.dumps({"id": 1, "text": light, "district": "Невский"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": 2, "text": light, "territory": "Калининский"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    csv_path = tmp_path / "texts.csv"
    csv_path.write_text(f"id;district;text\n3;Невский;{light}\n", encoding="utf-8")

    lines, _ = run(path)
    (from_csv,), _ = run(csv_path)

    assert [line["department"] for line in lines] == [
        "СПб ГКУ ЖА Невского района",
        "СПб ГКУ ЖА Калининского района",
    ]
    assert from_csv["department"] == "СПб ГКУ ЖА Невского района"
    assert from_csv["scores"] == lines[0]["scores"]


def test_a_file_without_texts_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("номер,обращение\n1,Яма\n", encoding="utf-8")
    with pytest.raises(CommandError, match="нет столбца text"):
        run(path)
    with pytest.raises(CommandError, match="Нет файла"):
        run(tmp_path / "absent.csv")
    texts = tmp_path / "texts.csv"
    texts.write_text("text\nЯма у дома 5\n", encoding="utf-8")
    broken = tmp_path / "places.csv"
    broken.write_text("kind,name\nвокзал,Центральный\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Справочник мест не прочитан"):
        run(texts, "--gazetteer", str(broken))

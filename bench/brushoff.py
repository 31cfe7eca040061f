"""`bash bench/run brushoff`: the brush-off check against answers labelled by hand.

Two labelled sets under tests/feedback/data/:

- `brushoff_labels.csv`: real official answers of the «Наш Санкт-Петербург» portal, labelled
  good or brush-off with the failed criteria. Only message ids, answer indexes and labels live
  in the repository; the texts are read from ../shared/data/spb-gorod/messages.jsonl.gz here.
  The archive lost the answers' attachments, so an answer counts as having evidence when its
  text says photos or an act are attached («Приложение: фотофиксация») — the labels follow the
  same convention. The question is the citizen's petitions up to the answer, the earlier
  answers are those of the same message, the promised date is the portal's `interim_date`.
  Reported as a whole and split in two by message id parity: the rules were tuned looking at
  the even ids («dev») only, so the odd ids («held out») are the fairer figure.
- `written_answers.jsonl`: answers written by the team for cases the archive lacks (copies to
  other problems, contradictions, rudeness, missing dates).

Prints precision and recall of `brush_off` and of each criterion, and the throughput in
answers/s on one core over random real answers with an empty lemma cache. Figures, never
pass or fail (the written set has a quality floor in tests/feedback).
"""

import argparse
import csv
import gzip
import json
import os
import platform
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .report import write_json

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "feedback" / "data" / "brushoff_labels.csv"
WRITTEN = ROOT / "tests" / "feedback" / "data" / "written_answers.jsonl"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "spb-gorod" / "messages.jsonl.gz"


@dataclass(frozen=True)
class Example:
    key: str
    question: str
    answer: str
    label: bool  # True: brush-off
    criteria: frozenset[str]
    evidence_count: int = 0
    earlier_answers: tuple[str, ...] = ()
    other_problem_answers: tuple[str, ...] = ()
    promised_date: date | None = None
    group: str = "written"


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def add(self, truth: bool, predicted: bool, key: str) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.false_alarms.append(key)
        elif truth:
            self.fn += 1
            self.misses.append(key)
        else:
            self.tn += 1

    def as_dict(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
        return {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": self.tp + self.fn,
            "predicted": self.tp + self.fp,
            "n": self.tp + self.fp + self.fn + self.tn,
            "misses": self.misses[:20],
            "false_alarms": self.false_alarms[:20],
        }


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run brushoff", description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="messages.jsonl.gz")
    parser.add_argument("--speed-answers", type=int, default=5000, help="answers timed")
    parser.add_argument("--name", default="brushoff", help="result file name prefix")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    started = datetime.now(UTC)
    result = run(args)
    result["started"] = started.isoformat(timespec="seconds")
    print(table(result))
    print(f"\nwritten: {write_json(result, args.name, started)}")
    return 0


def data_path(override: Path | None = None) -> Path:
    return override or Path(os.environ.get("VECHE_TRAINING_DATA") or DEFAULT_DATA)


def run(args: argparse.Namespace) -> dict[str, Any]:
    path = data_path(args.data)
    written = read_written(WRITTEN)
    result: dict[str, Any] = {"written": evaluate(written)}
    if path.exists():
        messages = read_messages(path)
        real = real_examples(read_labels(LABELS), messages)
        result["real"] = evaluate(real)
        result["real_dev"] = evaluate([e for e in real if e.group == "dev"])
        result["real_held_out"] = evaluate([e for e in real if e.group == "held_out"])
        result["speed"] = speed(messages, args.speed_answers)
    else:
        result["real"] = None
        result["note"] = f"shared data absent at {path}: real answers skipped"
    result["environment"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    return result


def read_written(path: Path) -> list[Example]:
    examples = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        examples.append(
            Example(
                key=f"written:{n + 1}",
                question=row["question"],
                answer=row["answer"],
                label=row["label"] == "brush_off",
                criteria=frozenset(c for c in row.get("criteria", "").split(";") if c),
                evidence_count=int(row.get("evidence_count", 0)),
                earlier_answers=tuple(row.get("earlier_answers", ())),
                other_problem_answers=tuple(row.get("other_problem_answers", ())),
                promised_date=date.fromisoformat(row["promised_date"])
                if row.get("promised_date")
                else None,
            )
        )
    return examples


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_messages(path: Path, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    wanted = set(ids) if ids is not None else None
    messages = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            message = json.loads(line)
            if wanted is None or message["id"] in wanted:
                messages[message["id"]] = message
    return messages


def real_examples(
    labels: Sequence[dict[str, str]], messages: dict[int, dict[str, Any]]
) -> list[Example]:
    from veche.feedback.lexicon import EVIDENCE_MENTION

    examples = []
    for row in labels:
        message_id, index = int(row["message_id"]), int(row["answer_index"])
        message = messages[message_id]
        answer = message["answers"][index]
        text = answer["text"] or ""
        petitions = [p["text"] for p in message["petitions"] if p["dt"] <= answer["dt"]]
        interim = answer.get("interim_date")
        examples.append(
            Example(
                key=f"{message_id}/{index}",
                question="\n".join(petitions or [message["text"]]),
                answer=text,
                label=row["label"] == "brush_off",
                criteria=frozenset(c for c in row["criteria"].split(";") if c),
                evidence_count=1 if EVIDENCE_MENTION.search(text.lower()) else 0,
                earlier_answers=tuple(a["text"] or "" for a in message["answers"][:index]),
                promised_date=date.fromisoformat(interim[:10]) if interim else None,
                group="dev" if message_id % 2 == 0 else "held_out",
            )
        )
    return examples


def check(example: Example) -> Any:
    from veche.feedback.brushoff import check_answer

    return check_answer(
        example.question,
        example.answer,
        evidence_count=example.evidence_count,
        earlier_answers=example.earlier_answers,
        other_problem_answers=example.other_problem_answers,
        promised_date=example.promised_date,
    )


def evaluate(examples: Sequence[Example]) -> dict[str, Any]:
    from veche.feedback.brushoff import Criterion

    overall = Tally()
    per = {c: Tally() for c in Criterion}
    for example in examples:
        verdict = check(example)
        overall.add(example.label, verdict.brush_off, example.key)
        failed = set(verdict.failed)
        for criterion, tally in per.items():
            tally.add(criterion in example.criteria, criterion in failed, example.key)
    return {
        "answers": len(examples),
        "brush_off_labelled": sum(e.label for e in examples),
        "brush_off": overall.as_dict(),
        "criteria": {str(c): t.as_dict() for c, t in per.items()},
    }


def speed(messages: dict[int, dict[str, Any]], n: int) -> dict[str, Any]:
    from veche.cases.search import normal_forms
    from veche.feedback import brushoff
    from veche.feedback.brushoff import check_answer

    answers = [(m["text"], a["text"]) for m in messages.values() for a in m["answers"] if a["text"]]
    sample = random.Random(2026).sample(answers, min(n, len(answers)))
    check_answer("прогрев", "прогрев словаря")  # load the dictionaries outside the timing
    normal_forms.cache_clear()
    brushoff._lemma.cache_clear()
    seconds = time.perf_counter()
    for question, answer in sample:
        check_answer(question, answer)
    cold = time.perf_counter() - seconds
    seconds = time.perf_counter()
    for question, answer in sample:
        check_answer(question, answer)
    warm = time.perf_counter() - seconds
    return {
        "answers": len(sample),
        "cold_answers_per_s": round(len(sample) / cold, 1),
        "warm_answers_per_s": round(len(sample) / warm, 1),
        "mean_chars": round(sum(len(a) for _, a in sample) / max(1, len(sample))),
    }


def _row(name: str, r: dict[str, Any]) -> str:
    def f(v: float | None) -> str:
        return f"{v:>7.2f}" if v is not None else f"{'—':>7}"

    return (
        f"  {name:<22}{f(r['precision'])}{f(r['recall'])}{f(r['f1'])}"
        f"{r['support']:>9}{r['predicted']:>11}"
    )


def _part(title: str, part: dict[str, Any]) -> list[str]:
    lines = [
        f"{title}: {part['answers']} answers, {part['brush_off_labelled']} labelled brush-off",
        f"  {'':<22}{'prec':>7}{'recall':>7}{'F1':>7}{'labelled':>9}{'predicted':>11}",
        _row("brush_off", part["brush_off"]),
    ]
    lines += [_row(name, r) for name, r in part["criteria"].items()]
    return lines


def table(result: dict[str, Any]) -> str:
    lines = _part("Written answers (tests/feedback/data/written_answers.jsonl)", result["written"])
    if result.get("real"):
        for key, title in (
            ("real", "Real portal answers (brushoff_labels.csv)"),
            ("real_dev", "  of which even message ids (rules tuned on these)"),
            ("real_held_out", "  of which odd message ids (held out)"),
        ):
            part = result[key]
            lines += [""] + (_part(title, part) if key == "real" else [_summary(title, part)])
        s = result["speed"]
        lines += [
            "",
            f"Throughput on {s['answers']:,} random real answers ({s['mean_chars']} chars on"
            f" average), one core: {s['cold_answers_per_s']:,.0f} answers/s with an empty"
            f" lemma cache, {s['warm_answers_per_s']:,.0f} answers/s warm",
        ]
    else:
        lines += ["", result["note"]]
    return "\n".join(lines)


def _summary(title: str, part: dict[str, Any]) -> str:
    r = part["brush_off"]
    return (
        f"{title}: {part['answers']} answers, brush_off precision {r['precision']:.2f},"
        f" recall {r['recall']:.2f}"
    )

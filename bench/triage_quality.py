"""`bash bench/run triage`: the topic classifier on the portal's messages, time split.

Trains, in one run, (a) the baseline — plain TF-IDF over raw words (no lemmas, no character
n-grams) with the same linear model — and (b) the shipped pipeline (`veche.triage.training`),
both on the earlier 80% of the deduplicated messages, and prints on the latest 20%: category
and reason accuracy and macro-F1, Veche's topic for the shipped one, and the throughput of
each in cases/s on one core (one process, BLAS and OpenMP held to one thread; the shipped
pipeline starts with an empty lemma cache). Figures, never pass or fail.

In the same run, routing (`veche.triage.routing`): the body that answered (`executor_org`)
learnt from the text, district and category on the earlier 80% of the answered messages, and
measured on the latest 20% next to the majority baseline (the most frequent body of the
category and district), also with the category the topic model predicts (what `veche triage`
does) and with no district.
"""

import argparse
import os
import platform
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from .report import write_json

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run triage", description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="messages.jsonl.gz")
    parser.add_argument("--test-share", type=float, default=0.2, help="latest share for tests")
    parser.add_argument("--name", default="triage", help="result file name prefix")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    args = parse(argv)
    started = datetime.now(UTC)
    with threadpool_limits(1):
        result = run(args)
    result["started"] = started.isoformat(timespec="seconds")
    print(table(result))
    print(f"\nwritten: {write_json(result, args.name, started)}")
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from veche.triage import training

    messages = training.read_messages(args.data)
    kept = training.dedupe(messages)
    earlier, later = training.time_split(kept, args.test_share)
    texts = [m.text for m in later]

    seconds = time.perf_counter()
    baseline_predict = _baseline(earlier)
    baseline_fit = time.perf_counter() - seconds
    categories, reasons = baseline_predict(texts)
    baseline = {
        "category": training.scores([_clean(m.category) for m in later], categories),
        "reason": training.scores(_reasons(later), reasons),
        "fit_seconds": round(baseline_fit, 1),
        "cases_per_s": _rate(baseline_predict, texts),
    }

    seconds = time.perf_counter()
    model, report = training.train(messages, test_share=args.test_share, refit_all=False)
    shipped = report["test"] | {
        "fit_seconds": round(time.perf_counter() - seconds, 1),
        "cases_per_s": _rate(lambda t: _shipped_predict(model, t), texts),
        "features": model.space.size,
        "weights": {"category": model.category.weights.nnz, "reason": model.reason.weights.nnz},
    }
    return {
        "data": report["rows"] | {"messages": len(messages), "deduplicated": len(kept)},
        "no_lemmas": _without_lemmas(messages, args.test_share, texts),
        "split": {"train_until": report["train_until"], "test_from": report["test_from"]},
        "baseline": baseline,
        "shipped": shipped,
        "artifact_bytes": _artifact_bytes(),
        "routing": _routing(args.data, args.test_share, model),
        "address": _address(args.data),
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }


def _without_lemmas(messages: Sequence[Any], test_share: float, texts: Sequence[str]) -> Any:
    """The shipped features and model with the words left as written (lower-cased): the
    issue's question, whether lemmatisation helps, with everything else equal."""
    from veche.triage import features, lemmas, training

    def as_written(text: str) -> str:
        return " ".join("0" if w.isdigit() else w.lower() for w in lemmas.TOKEN.findall(text))

    with mock.patch.object(features, "lemmatize", as_written):
        seconds = time.perf_counter()
        model, report = training.train(messages, test_share=test_share, refit_all=False)
        return report["test"] | {
            "fit_seconds": round(time.perf_counter() - seconds, 1),
            "cases_per_s": _rate(lambda t: _shipped_predict(model, t), texts),
        }


def _routing(path: Any, test_share: float, topic_model: Any) -> dict[str, Any]:
    from dataclasses import replace

    from veche.triage import routing
    from veche.triage.topics import best_labels

    examples = routing.portal_examples(path)
    seconds = time.perf_counter()
    model, report = routing.train_routing(examples, test_share=test_share, refit_all=False)
    fit_seconds = round(time.perf_counter() - seconds, 1)
    _, later = routing.time_split(routing.dedupe(examples), test_share)
    cases = [e.case for e in later]
    categories, _ = best_labels(topic_model, [c.text for c in cases])
    predicted = [
        replace(e, case=replace(e.case, topic=c)) for e, c in zip(later, categories, strict=True)
    ]
    no_district = [replace(e, case=replace(e.case, territory="")) for e in later]
    size = routing.MODEL_PATH.stat().st_size if routing.MODEL_PATH.exists() else None
    return {
        "data": report["rows"] | {"answered": len(examples), "departments": report["labels"]},
        "split": {"train_until": report["train_until"], "test_from": report["test_from"]},
        "temperature": report["temperature"],
        "baseline": report["baseline"],
        "learned": report["test"]
        | {
            "fit_seconds": fit_seconds,
            "cases_per_s": _rate(lambda _: model.predict(cases), [c.text for c in cases]),
            "features": model.space.size,
            "weights": model.head.weights.nnz,
        },
        "predicted_category": routing.evaluate(model, predicted),
        "no_district": routing.evaluate(model, no_district),
        "artifact_bytes": size,
    }


def _address(path: Any) -> dict[str, Any]:
    """Street and house extracted from the text against the portal's normalised address (all
    messages: the extractor is rules, nothing to train)."""
    from veche.triage import address_eval, training

    rates = address_eval.address_match_rates(
        address_eval.read_messages(path or training.data_path())
    )
    return {
        "messages_with_street": rates.messages,
        "coverage": rates.coverage,
        "street_match_rate": rates.street_match_rate,
        "street_house_match_rate": rates.street_house_match_rate,
        "texts_per_s": rates.messages / rates.seconds if rates.seconds else None,
    }


def _baseline(messages: Sequence[Any]) -> Callable[[Sequence[str]], tuple[list[str], list[str]]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from veche.triage.training import C

    texts = [m.text for m in messages]
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)
    features = vectorizer.fit_transform(texts)
    categories = [_clean(m.category) for m in messages]
    by_category = LinearSVC(C=C, class_weight="balanced").fit(features, categories)
    by_reason = LinearSVC(C=C).fit(features, _reasons(messages))

    def predict(texts: Sequence[str]) -> tuple[list[str], list[str]]:
        x = vectorizer.transform(texts)
        return list(by_category.predict(x)), list(by_reason.predict(x))

    return predict


def _shipped_predict(model: Any, texts: Sequence[str]) -> list[Any]:
    from veche.triage.topics import predict

    return predict(texts, model)


def _rate(predict: Callable[[Sequence[str]], Any], texts: Sequence[str]) -> float:
    from veche.cases.search import normal_forms

    normal_forms.cache_clear()
    seconds = time.perf_counter()
    predict(texts)
    return round(len(texts) / (time.perf_counter() - seconds), 1)


def _reasons(messages: Sequence[Any]) -> list[str]:
    from veche.triage.topics import reason_label

    return [reason_label(m.category, m.reason) for m in messages]


def _clean(name: str) -> str:
    return " ".join(name.split())


def _routing_table(routed: dict[str, Any]) -> list[str]:
    data, learned, size = routed["data"], routed["learned"], routed["artifact_bytes"]
    lines = [
        f"Routing to executor_org: {data['answered']:,} answered messages,"
        f" {data['examples']:,} after dedupe, {data['departments']} bodies;"
        f" train {data['train']:,}, test {data['test']:,}"
        f" (from {routed['split']['test_from'][:10]})",
        "",
        f"  {'model':<44}{'acc':>8}{'top-3':>8}{'F1':>8}{'cases/s':>10}{'fit s':>8}",
    ]
    rows = [
        ("majority of (category, district)", routed["baseline"]),
        ("learned: text, district, category", learned),
        ("learned, category predicted from the text", routed["predicted_category"]),
        ("learned, no district", routed["no_district"]),
    ]
    for name, r in rows:
        speed = f"{r['cases_per_s']:>10,.0f}{r['fit_seconds']:>8,.0f}" if "cases_per_s" in r else ""
        lines.append(
            f"  {name:<44}{r['accuracy']:>8.3f}{r['top3']:>8.3f}{r['macro_f1']:>8.3f}{speed}"
        )
    lines.append(
        f"  mean first probability {learned['mean_confidence']:.3f}"
        f" (accuracy {learned['accuracy']:.3f});"
        + (f" routing artifact: {size / 2**20:.2f} MB" if size else " routing artifact: absent")
    )
    return lines


def _artifact_bytes() -> int | None:
    from veche.triage.topics import MODEL_PATH

    return MODEL_PATH.stat().st_size if MODEL_PATH.exists() else None


def table(result: dict[str, Any]) -> str:
    data, base, shipped = result["data"], result["baseline"], result["shipped"]
    lines = [
        f"Triage topics: {data['messages']:,} messages, {data['deduplicated']:,} after dedupe;"
        f" train {data['train']:,} (until {result['split']['train_until'][:10]}),"
        f" test {data['test']:,} (from {result['split']['test_from'][:10]})",
        "",
        f"  {'pipeline':<34}{'cat acc':>9}{'cat F1':>9}{'rsn acc':>9}{'rsn F1':>9}"
        f"{'cases/s':>10}{'fit s':>8}",
    ]
    rows = [("baseline: TF-IDF words + LinearSVC", base)]
    if result.get("no_lemmas"):
        rows.append(("shipped features, words as written", result["no_lemmas"]))
    for name, r in [*rows, ("shipped (lemmas)", shipped)]:
        lines.append(
            f"  {name:<34}{r['category']['accuracy']:>9.3f}{r['category']['macro_f1']:>9.3f}"
            f"{r['reason']['accuracy']:>9.3f}{r['reason']['macro_f1']:>9.3f}"
            f"{r['cases_per_s']:>10,.0f}{r['fit_seconds']:>8,.0f}"
        )
    topic, size = shipped["topic"], result["artifact_bytes"]
    lines += [
        f"  Veche topic (mapped reasons)      acc {topic['accuracy']:.3f}"
        f"   macro-F1 {topic['macro_f1']:.3f}",
        f"  shipped artifact: {size / 2**20:.1f} MB" if size else "  shipped artifact: absent",
    ]
    if routed := result.get("routing"):
        lines += ["", *_routing_table(routed)]
    if address := result.get("address"):
        lines += [
            "",
            f"Address from text vs the portal's address ({address['messages_with_street']:,}"
            f" messages with a street): street found {address['coverage']:.3f};"
            f" when found, street right {address['street_match_rate']:.3f},"
            f" street + house right {address['street_house_match_rate']:.3f}",
        ]
    return "\n".join(lines)

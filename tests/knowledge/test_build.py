from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.build import BEGIN, END, build
from tests.knowledge.conftest import entry, write

DOMAIN = f"""version: "3.1"
intents:
  - greet
  {BEGIN}
  - kb_old
  {END}
entities: [language]
"""


def test_build_writes_intents_rules_and_the_domain_block(tree: Path, tmp_path: Path) -> None:
    out, domain = tmp_path / "out", tmp_path / "domain.yml"
    domain.write_text(DOMAIN)
    intents = build(tree, out, domain)
    assert intents == ["kb_beratung_stelle", "kb_sprache_kurs"]
    nlu = yaml.safe_load((out / "knowledge.yml").read_text())
    examples = {i["intent"]: i["examples"] for i in nlu["nlu"]}
    assert "- sprache_kurs ar\n" in examples["kb_sprache_kurs"]
    rules = yaml.safe_load((out / "rules.yml").read_text())["rules"]
    assert {"action": "action_answer_knowledge"} in rules[0]["steps"]
    parsed = yaml.safe_load(domain.read_text())
    assert parsed["intents"] == ["greet", "kb_beratung_stelle", "kb_sprache_kurs"]
    assert parsed["entities"] == ["language"]


def test_build_is_deterministic(tree: Path, tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(DOMAIN)
    build(tree, tmp_path / "a", domain)
    first = (tmp_path / "a" / "knowledge.yml").read_bytes(), domain.read_bytes()
    write(tree, entry())  # rewrite the same entry: nothing changes
    build(tree, tmp_path / "a", domain)
    assert ((tmp_path / "a" / "knowledge.yml").read_bytes(), domain.read_bytes()) == first


def test_committed_generated_data_is_up_to_date(tmp_path: Path) -> None:
    """`make kb-build` output is committed; it must match the entries (run `ankommen kb build`)."""
    root = Path(__file__).resolve().parents[2]
    domain = tmp_path / "domain.yml"
    domain.write_text((root / "domain.yml").read_text())
    build(root / "knowledge", tmp_path / "generated", domain)
    for name in ("knowledge.yml", "rules.yml"):
        assert (tmp_path / "generated" / name).read_text() == (root / "nlu" / "generated" / name).read_text()
    assert domain.read_text() == (root / "domain.yml").read_text()

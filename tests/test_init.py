"""`kowp-site init --language ja`: a new locale's mirror starts in one command, and builds."""

from __future__ import annotations

import tomllib

import lxml.html
import pytest

from kowp_site.cli import main
from kowp_site.site import config as config_mod
from kowp_site.site.starter import STARTERS


@pytest.mark.parametrize("language", sorted(STARTERS))
def test_init_writes_a_site_that_loads_and_builds(tmp_path, language, capsys):
    assert main(["init", "--root", str(tmp_path), "--language", language]) == 0
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert names == ["content/glossary.toml", "content/pages/about.md", "content/pages/join.md", "pyproject.toml"]
    config, warnings = config_mod.load(tmp_path, strict=True)
    assert warnings == [] and config.language == language
    assert config.timezone == STARTERS[language].timezone
    assert [c.slug for c in config.categories.values()] == ["releases", "community", "events", "security"]
    assert main(["check", "--root", str(tmp_path)]) == 0  # the glossary and the pages are valid
    assert main(["build", "--root", str(tmp_path)]) == 0
    about = lxml.html.fromstring((tmp_path / "site/about/index.html").read_bytes())
    assert about.xpath("string(//h1)") == STARTERS[language].about_title
    assert about.xpath("string(/html/@lang)") == language


def test_init_adds_to_an_existing_pyproject_and_keeps_existing_files(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mirror"\n', encoding="utf-8")
    (tmp_path / "content/pages").mkdir(parents=True)
    (tmp_path / "content/pages/about.md").write_text("---\ntitle: Mine\n---\n\nKeep me.\n", encoding="utf-8")
    assert main(["init", "--root", str(tmp_path), "--language", "ja"]) == 0
    data = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"] == {"name": "mirror"} and data["tool"]["kowp-site"]["language"] == "ja"
    assert (tmp_path / "content/pages/about.md").read_text(encoding="utf-8").endswith("Keep me.\n")
    # A configured site is left alone, with a clear message and no traceback.
    before = (tmp_path / "pyproject.toml").read_bytes()
    assert main(["init", "--root", str(tmp_path), "--language", "es"]) == 1
    assert (tmp_path / "pyproject.toml").read_bytes() == before


def test_init_refuses_an_unknown_language_and_dry_run_writes_nothing(tmp_path, capsys):
    assert main(["init", "--root", str(tmp_path), "--language", "xx"]) == 1
    assert "no starter for language 'xx'; known: es, ja, ko" in capsys.readouterr().err
    assert main(["init", "--root", str(tmp_path), "--language", "ja", "--dry-run"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_language_defaults_follow_the_language_unless_set(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kowp-site]\nlanguage = "ja"\n', encoding="utf-8")
    ja, _ = config_mod.load(tmp_path)
    assert (ja.locale, ja.reading_speed, ja.date_format) == ("ja_JP", 600, "{year}年{month}月{day}日")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kowp-site]\nlanguage = "ja"\nreading_speed = 700\n', encoding="utf-8"
    )
    assert config_mod.load(tmp_path)[0].reading_speed == 700
    (tmp_path / "pyproject.toml").write_text("[tool.kowp-site]\n", encoding="utf-8")
    ko, _ = config_mod.load(tmp_path)
    assert (ko.locale, ko.reading_speed, ko.date_format) == ("ko_KR", 500, "{year}년 {month}월 {day}일")

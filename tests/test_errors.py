"""Mistakes in content and configuration: every one reported as path:line, exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kowp_site.cli import main
from kowp_site.errors import ConfigError
from kowp_site.site import config as config_mod


def run(root: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["build", "--root", str(root), *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def test_every_content_error_is_reported_in_one_run(site, capsys):
    site.post("good")
    site.write("content/posts/2026/08/bad-yaml/en.md", "---\ntitle: ok\nlink: [unclosed\n---\nbody\n")
    site.post("bad-status", ko={"status": "done"})
    site.post("no-title", en={"title": ""})
    site.write(
        "content/posts/2026/08/bad-date/en.md",
        "---\ntitle: T\nlink: https://wordpress.org/news/2026/08/bad-date/\nguid: g1\nauthor: a\n"
        "date: next tuesday\ncategories: []\n---\nbody\n",
    )
    site.write("content/posts/2026/08/orphan/ko.md", "---\ntitle: 고아\nstatus: draft\n---\n")
    site.post("no-translated", ko={"translated": None})
    site.post("no-translators", ko={"translators": ()})
    code, err = run(site.root, capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error: content/")]
    expected = {
        "content/posts/2026/08/bad-yaml/en.md:3: front matter is not valid YAML",
        "content/posts/2026/08/bad-status/ko.md:3: status must be one of untranslated, draft, review, published, not 'done'",
        "content/posts/2026/08/no-title/en.md:2: 'title' is empty",
        "content/posts/2026/08/bad-date/en.md:6: 'date' is not a date: 'next tuesday'",
        "content/posts/2026/08/orphan/ko.md: translation has no English source (en.md) beside it",
        "content/posts/2026/08/no-translated/ko.md:3: a published post needs 'translated'",
        "content/posts/2026/08/no-translators/ko.md:4: a published post needs translators",
    }
    for want in expected:
        assert any(line.startswith("error: " + want) for line in lines), (want, lines)
    assert len(lines) == len(expected)
    assert "— " in lines[0]  # every message says what to do
    assert err.strip().endswith(f"{len(expected)} errors; nothing was written")
    assert not (site.root / "site").exists()


def test_unknown_front_matter_key_warns_and_strict_fails(site, capsys):
    site.post("x", ko={"extra": "tranlsators: [oops]"})
    code, err = run(site.root, capsys)
    assert code == 0
    assert "warning: content/posts/2026/08/x/ko.md:7: unknown key 'tranlsators'" in err
    code, err = run(site.root, capsys, "--strict")
    assert code == 1
    assert "error: content/posts/2026/08/x/ko.md:7: unknown key 'tranlsators'" in err


def test_not_utf8_and_missing_front_matter(site, capsys):
    site.post("latin")
    site.write("content/posts/2026/08/latin/ko.md", "---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    site.post("plain")
    site.write("content/posts/2026/08/plain/ko.md", "그냥 본문\n")
    code, err = run(site.root, capsys)
    assert code == 1
    assert "content/posts/2026/08/latin/ko.md: not UTF-8 text" in err
    assert "content/posts/2026/08/plain/ko.md:1: missing front matter" in err


def test_duplicate_guid_and_bad_folder_names(site, capsys):
    site.post("one", en={"guid": "same"})
    site.post("two", en={"guid": "same"})
    site.write("content/posts/2026/13/x/en.md", "---\ntitle: x\n---\n")
    site.write("content/posts/2026/08/bad..name/en.md", "---\ntitle: x\n---\n")
    code, err = run(site.root, capsys)
    assert code == 1
    assert "guid 'same' is also used by 2026/08/one" in err
    assert "content/posts/2026/13/x: folder is not YYYY/MM/slug" in err
    assert "content/posts/2026/08/bad..name: folder is not YYYY/MM/slug" in err


def test_reserved_and_duplicate_page_names(site, capsys):
    site.page("archive", "보관함", "x")
    site.page("About", "소개", "x")
    site.page("about", "소개2", "x")
    code, err = run(site.root, capsys)
    assert code == 1
    assert "content/pages/archive.md: page name 'archive' is used by the site itself" in err
    assert "has the same address as" in err


def test_config_errors_name_the_key(site, capsys):
    site.config(
        raw='[tool.kowp-site]\ntitel = "x"\nposts_per_page = "ten"\nbase_url = "example.org"\ntimezone = "Mars/Base"\n'
    )
    code, err = run(site.root, capsys)
    assert code == 1
    assert "pyproject.toml: 'posts_per_page' must be a whole number, not str" in err
    assert "pyproject.toml: 'base_url' must be an absolute http(s) URL" in err
    assert "pyproject.toml: 'timezone' is not a known time zone" in err
    assert "warning: pyproject.toml: unknown key 'titel' — did you mean 'title'?" in err


def test_unknown_config_key_is_an_error_with_strict(site):
    site.config(raw='[tool.kowp-site]\ntitel = "x"\n')
    cfg, warnings = config_mod.load(site.root)
    assert [w.message for w in warnings] == ["unknown key 'titel'"]
    with pytest.raises(ConfigError) as info:
        config_mod.load(site.root, strict=True)
    assert info.value.problems[0].message == "unknown key 'titel'"


def test_bad_toml_reports_line(site, capsys):
    site.config(raw='[tool.kowp-site]\ntitle = "x\n')
    code, err = run(site.root, capsys)
    assert code == 1
    assert "pyproject.toml:2: not valid TOML" in err


def test_config_defaults_and_derived_values(site):
    site.config(raw='[tool.kowp-site]\nbase_url = "https://owner.github.io/repo"\nlanguage = "ja"\n')
    cfg, _ = config_mod.load(site.root)
    assert cfg.base_url == "https://owner.github.io/repo/"
    assert cfg.base_path == "/repo/"
    assert cfg.locale == "ja_JP"
    assert cfg.href("feed.xml") == "/repo/feed.xml"
    assert cfg.url("2026/08/x/") == "https://owner.github.io/repo/2026/08/x/"
    assert cfg.posts_per_page == 10 and cfg.feed_items == 20 and cfg.timezone == "Asia/Seoul"
    assert cfg.category("Word Camp").slug == cfg.category("wordcamp").slug == "wordcamp"
    assert cfg.category("보안 소식").slug == "보안소식"


def test_another_locale_reads_its_own_translation_file(site, build_site):
    site.config(
        raw='[tool.kowp-site]\nlanguage = "ja"\nbase_url = "https://example.org/"\ndate_format = "{year}年{month}月{day}日"\n'
    )
    folder = site.post("x", translation=False)
    from tests.conftest import ko_md, sha

    (folder / "ja.md").write_text(
        ko_md(title="日本語のタイトル", source_hash=sha((folder / "en.md").read_bytes())), encoding="utf-8"
    )
    out = build_site(site.root)
    import lxml.html

    doc = lxml.html.fromstring((out / "2026/08/x/index.html").read_bytes())
    assert doc.get("lang") == "ja"
    assert doc.xpath("string(//h1)") == "日本語のタイトル"
    assert doc.xpath("//meta[@property='og:locale']/@content") == ["ja_JP"]
    assert "2026年8月20日" in doc.xpath("string(//dl[@class='credits'])")


def test_missing_root_is_a_usage_error(tmp_path, capsys):
    assert main(["build", "--root", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_command_exits_with_mains_code_and_its_leftovers_frozen(tmp_path, capsys, monkeypatch):
    """``kowp-site`` and ``python -m kowp_site`` run cli.console: main's exit code, and what the
    command left moved out of the collector's reach, so the process's end does not walk it."""
    import gc
    import sys
    import tomllib

    from kowp_site import cli

    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert scripts["project"]["scripts"]["kowp-site"] == "kowp_site.cli:console"
    monkeypatch.setattr(sys, "argv", ["kowp-site", "build", "--root", str(tmp_path / "nope")])
    assert gc.get_freeze_count() == 0
    try:
        assert cli.console() == 2
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("gap", ["", "\n", "\n\n\n"])
def test_body_line_points_at_the_first_body_line(site, gap):
    from kowp_site.site import content as content_mod

    folder = site.post("x")
    (folder / "ko.md").write_text(
        f"---\ntitle: 제목\nstatus: draft\nsource_hash: {'sha256:' + '0' * 64}\n---\n{gap}본문 첫 줄\n"
    )
    cfg, _ = config_mod.load(site.root)
    content, problems = content_mod.load(cfg)
    translation = content.posts[0].translation
    lines = (folder / "ko.md").read_text().split("\n")
    assert lines[translation.body_line - 1] == "본문 첫 줄"


def test_yaml_aliases_are_refused_before_they_expand(site, capsys):
    bomb = "---\ntitle: x\na0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    bomb += "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    bomb += "status: *a8\n---\n"
    site.post("bomb")
    site.write("content/posts/2026/08/bomb/ko.md", bomb)
    code, err = run(site.root, capsys)
    assert code == 1
    assert "content/posts/2026/08/bomb/ko.md:1: front matter uses YAML aliases (*name)" in err


def test_status_of_the_wrong_type_is_named_not_printed(site, capsys):
    site.post("x", ko={"status": "[1, 2, 3]"})
    code, err = run(site.root, capsys)
    assert code == 1
    assert "status must be one of untranslated, draft, review, published, not a list" in err


def test_true_false_keys_take_only_booleans(site, capsys):
    site.write("content/pages/about.md", '---\ntitle: 소개\ndraft: "false"\n---\n본문\n')
    code, err = run(site.root, capsys)
    assert code == 1
    assert "content/pages/about.md:3: 'draft' must be true or false, not 'false'" in err


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '[tool.kowp-site]\nbase_url = "https://x.org/a?b=1"\n',
            "'base_url' must not carry a query (?) or fragment (#)",
        ),
        ('[tool]\nkowp-site = "x"\n', "pyproject.toml: [tool.kowp-site] must be a table"),
        ("tool = 1\n", "pyproject.toml: [tool.kowp-site] must be a table"),
    ],
)
def test_malformed_configuration_tables(site, capsys, raw, message):
    site.config(raw=raw)
    code, err = run(site.root, capsys)
    assert code == 1
    assert message in err


def test_bad_source_date_epoch_is_a_clear_error(site, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "abc")
    code, err = run(site.root, capsys)
    assert code == 1
    assert "SOURCE_DATE_EPOCH='abc' is not a whole number of seconds since 1970" in err


def test_categories_sharing_an_address_are_warned(site, capsys):
    site.post("a", en={"categories": ("C++",)})
    site.post("b", en={"categories": ("C",)})
    code, err = run(site.root, capsys)
    assert code == 0
    assert (
        "warning: content/posts/2026/08/a/en.md: categories of 2026/08/b and 2026/08/a share the address /category/c/"
        in err
    )

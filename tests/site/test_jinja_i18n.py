"""Fixed labels translated when a template is compiled: the same pages, in the right language."""

from __future__ import annotations

from pathlib import Path

import pytest

import svcnotes.site.build as site_build
from svcnotes.site import i18n, jinja_i18n
from svcnotes.site.i18n import translator
from tests.site.conftest import ROOT
from tests.site.helpers import build


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_translating_labels_at_compile_time_changes_no_byte_of_the_demo_site(tmp_path, monkeypatch, locale):
    """Every page of the bundled demo site (every page type) as it is with each label a call."""
    if not (ROOT / "svcnotes.toml").is_file():
        pytest.skip("the bundled demo records are absent")
    folded, _ = build(ROOT, "--locale", locale, out=tmp_path / "folded")
    make_env = site_build.make_env
    monkeypatch.setattr(site_build, "make_env", lambda dirs, cache=None, locale=None: make_env(dirs, None, None))
    called, _ = build(ROOT, "--locale", locale, out=tmp_path / "called")
    a, b = files(folded), files(called)
    assert len(a) > 600 and a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_each_language_keeps_its_own_compiled_templates(site_repo, tmp_path):
    """One cache folder, two languages one after the other: each site speaks its own language."""
    zh, _ = build(site_repo, "--locale", "zh-CN", out=tmp_path / "zh")
    en, _ = build(site_repo, "--locale", "en", out=tmp_path / "en")
    zh_again, _ = build(site_repo, "--locale", "zh-CN", out=tmp_path / "zh2")
    for folder, skip, nav in ((zh, "跳到正文", "客诉登记追踪"), (en, "Skip to content", "Complaint register"),
                              (zh_again, "跳到正文", "客诉登记追踪")):
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert f'class="skip-link" href="#main">{skip}</a>' in page
        assert f'href="complaints/index.html">{nav}</a>' in page
    assert "Skip to content" not in (zh_again / "index.html").read_text(encoding="utf-8")


def test_only_a_call_with_one_known_literal_key_becomes_text():
    env = site_build.make_env([ROOT / "templates"], locale="en")
    template = env.from_string(
        '{{ t("site.skip") }}|{{ t("record.days", n=3) }}|{{ t("no.such.key") }}|{{ x.t("site.skip") }}'
        '|{{ t(key) }}|{{ t("search.placeholder") }}')
    out = template.render(t=translator("en"), x={"t": lambda k: "own " + k}, key="nav.reports")
    assert out == (f'Skip to content|{translator("en")("record.days", n=3)}|no.such.key|own site.skip|Reports'
                   f'|{translator("en")("search.placeholder")}')
    # the folded label is in the compiled code: no `t` left to call for it
    code = env.compile('{{ t("site.skip") }}', raw=True)
    assert "Skip to content" in code and "'site.skip'" not in code


def test_a_folded_label_is_escaped_like_a_called_one():
    env = site_build.make_env([ROOT / "templates"], locale="en")
    table = i18n.STRINGS["en"]
    key = next(k for k, v in table.items() if "'" in v or "&" in v or "<" in v)
    folded = env.from_string(f'<p title="{{{{ t("{key}") }}}}">{{{{ t("{key}") }}}}</p>').render(t=translator("en"))
    called = site_build.make_env([ROOT / "templates"]).from_string(
        f'<p title="{{{{ t("{key}") }}}}">{{{{ t("{key}") }}}}</p>').render(t=translator("en"))
    assert folded == called and table[key] not in folded


def test_the_compiled_cache_folder_changes_with_the_labels(monkeypatch):
    before = jinja_i18n.compiled_cache_name("en")
    assert before.startswith("en-") and jinja_i18n.compiled_cache_name("zh-CN").startswith("zh-CN-")
    assert jinja_i18n.compiled_cache_name("en-GB") == before
    monkeypatch.setitem(i18n.STRINGS, "en", {**i18n.STRINGS["en"], "site.skip": "Skip"})
    assert jinja_i18n.compiled_cache_name("en") != before


def test_an_upgrade_leaves_no_dead_compiled_templates(site_repo, tmp_path):
    """Compiled templates of an older table or code, and flat files from before the folders were per
    language, are removed by the next build of that language; the other language's folder stays."""
    templates = site_repo / ".svcnotes-cache" / "templates"
    build(site_repo, "--locale", "en", out=tmp_path / "en")
    [english] = [p.name for p in templates.iterdir() if p.name.startswith("en-")]
    stale = templates / "zh-CN-000000000000"
    stale.mkdir()
    (stale / "__jinja2_x.cache").write_bytes(b"old")
    (templates / "__jinja2_flat.cache").write_bytes(b"old")
    build(site_repo, "--locale", "zh-CN", out=tmp_path / "zh")
    names = sorted(p.name for p in templates.iterdir())
    assert names == sorted([english, jinja_i18n.compiled_cache_name("zh-CN")])
    assert any((templates / jinja_i18n.compiled_cache_name("zh-CN")).iterdir())

"""Compiled templates are kept between builds, and an edited template is never served stale."""

from __future__ import annotations

import os
import types
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest

from manualkit.sphinx import templatecache
from manualkit.templating import TemplateRenderer, TemplateRenderError


def fake_app(templates: Path, doctreedir: Path) -> types.SimpleNamespace:
    """What the hook reads of a Sphinx application: the HTML builder's Jinja environment."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))
    bridge = types.SimpleNamespace(environment=environment)
    return types.SimpleNamespace(builder=types.SimpleNamespace(templates=bridge), doctreedir=str(doctreedir))


def render(app: types.SimpleNamespace) -> str:
    environment: jinja2.Environment = app.builder.templates.environment
    return environment.get_template("page.html").render(title="投诉处理")


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache folder of this test's own (``$XDG_CACHE_HOME``)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "manualkit"


def test_compiled_templates_are_reused_and_recompiled_when_edited(tmp_path: Path, user_cache: Path) -> None:
    templates, doctrees = tmp_path / "templates", tmp_path / "doctrees"
    templates.mkdir()
    page = templates / "page.html"
    page.write_text("<h1>{{ title }}</h1>", encoding="utf-8")

    first = fake_app(templates, doctrees)  # one build (process) …
    templatecache.on_builder_inited(first)  # type: ignore[arg-type]
    assert render(first) == "<h1>投诉处理</h1>"
    # In the user cache, so that a fresh build (``rm -rf build``, a new clone) finds it.
    cached = list((user_cache / templatecache.CACHE_DIR).rglob("*.cache"))
    assert len(cached) == 1
    assert not doctrees.exists()

    os.utime(cached[0], (0, 0))  # Jinja rewrites the file only when it compiled the template
    second = fake_app(templates, doctrees)  # … the next one loads the compiled code
    templatecache.on_builder_inited(second)  # type: ignore[arg-type]
    assert render(second) == "<h1>投诉处理</h1>"
    assert cached[0].stat().st_mtime == 0

    page.write_text("<h2>{{ title }}</h2>", encoding="utf-8")
    third = fake_app(templates, doctrees)
    templatecache.on_builder_inited(third)  # type: ignore[arg-type]
    assert render(third) == "<h2>投诉处理</h2>"
    assert cached[0].stat().st_mtime > 0


def test_environments_with_other_extensions_do_not_share_compiled_code(tmp_path: Path) -> None:
    plain = jinja2.Environment()
    i18n = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    assert templatecache.cache_directory(tmp_path, plain) != templatecache.cache_directory(tmp_path, i18n)
    assert templatecache.cache_directory(tmp_path, plain) == templatecache.cache_directory(
        tmp_path, jinja2.Environment()
    )


def test_without_a_writable_user_cache_the_doctree_folder_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # mkdir under a file fails
    templates, doctrees = tmp_path / "templates", tmp_path / "doctrees"
    templates.mkdir()
    (templates / "page.html").write_text("<h1>{{ title }}</h1>", encoding="utf-8")
    app = fake_app(templates, doctrees)
    templatecache.on_builder_inited(app)  # type: ignore[arg-type]
    assert render(app) == "<h1>投诉处理</h1>"
    assert len(list((doctrees / templatecache.CACHE_DIR).rglob("*.cache"))) == 1


def test_options_that_change_the_compiled_code_have_folders_of_their_own(tmp_path: Path) -> None:
    plain = jinja2.Environment()
    trimmed = jinja2.Environment(trim_blocks=True)
    finalized = jinja2.Environment(finalize=str)
    folders = {templatecache.cache_directory(tmp_path, env) for env in (plain, trimmed, finalized)}
    assert len(folders) == 3


def test_a_cached_fragment_template_is_still_sandboxed(tmp_path: Path, user_cache: Path) -> None:
    """Compiled code loaded from the cache goes through the sandbox as freshly compiled code does."""
    templates = tmp_path / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "ok.md.j2").write_text("用途：{{ text }}\n", encoding="utf-8")
    (templates / "fragments" / "evil.md.j2").write_text(
        "第一行\n{{ text.__class__.__mro__ }}\n", encoding="utf-8"
    )

    def renderer() -> TemplateRenderer:
        made = TemplateRenderer([templates])
        made.environment.bytecode_cache = templatecache.bytecode_cache(made.environment)
        return made

    for run in ("compiles", "loads"):
        current = renderer()
        assert current.render("fragments/ok.md.j2", {"text": "投诉"}) == "用途：投诉\n", run
        with pytest.raises(TemplateRenderError) as refused:
            current.render("fragments/evil.md.j2", {"text": "投诉"})
        assert "sandbox" in str(refused.value), run
        assert "templates/fragments/evil.md.j2:2" in str(refused.value), run
    assert len(list(user_cache.rglob("*.cache"))) == 2


def test_the_folder_is_trimmed_to_the_most_recently_compiled(tmp_path: Path) -> None:
    for number in range(12):
        entry = tmp_path / f"{number:02d}.cache"
        entry.write_bytes(b"x")
        os.utime(entry, (1_000_000 + number, 1_000_000 + number))
    (tmp_path / "keep.txt").write_text("not an entry", encoding="utf-8")
    templatecache.trim(tmp_path, most=12)
    assert len(list(tmp_path.glob("*.cache"))) == 12  # at the limit: nothing removed
    (tmp_path / "12.cache").write_bytes(b"x")
    templatecache.trim(tmp_path, most=12, kept=5)
    assert sorted(entry.name for entry in tmp_path.glob("*.cache")) == [
        f"{n:02d}.cache" for n in range(8, 13)
    ]
    assert (tmp_path / "keep.txt").exists()


def test_a_damaged_or_unwritable_cache_never_fails_a_render(tmp_path: Path, user_cache: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "ok.md.j2").write_text("用途：{{ text }}\n", encoding="utf-8")

    def render_once(cache: jinja2.BytecodeCache | None) -> str:
        made = TemplateRenderer([templates])
        made.environment.bytecode_cache = cache
        return made.render("fragments/ok.md.j2", {"text": "投诉"})

    def user_cache_of_a_renderer() -> jinja2.BytecodeCache | None:
        return templatecache.bytecode_cache(TemplateRenderer([templates]).environment)

    assert render_once(user_cache_of_a_renderer()) == "用途：投诉\n"
    (entry,) = user_cache.rglob("*.cache")
    entry.write_bytes(jinja2.bccache.bc_magic + b"\x80\x04\x95")  # the header, then a cut-off pickle
    assert render_once(user_cache_of_a_renderer()) == "用途：投诉\n"

    not_a_folder = tmp_path / "taken"
    not_a_folder.write_text("", encoding="utf-8")  # every read and write under it fails
    assert render_once(templatecache.TolerantBytecodeCache(str(not_a_folder))) == "用途：投诉\n"

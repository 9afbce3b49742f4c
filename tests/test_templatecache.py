"""Compiled HTML templates are kept between builds, and an edited template is never served stale."""

from __future__ import annotations

import os
import types
from pathlib import Path

import jinja2

from manualkit.sphinx import templatecache


def fake_app(templates: Path, doctreedir: Path) -> types.SimpleNamespace:
    """What the hook reads of a Sphinx application: the HTML builder's Jinja environment."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))
    bridge = types.SimpleNamespace(environment=environment)
    return types.SimpleNamespace(builder=types.SimpleNamespace(templates=bridge), doctreedir=str(doctreedir))


def render(app: types.SimpleNamespace) -> str:
    environment: jinja2.Environment = app.builder.templates.environment
    return environment.get_template("page.html").render(title="投诉处理")


def test_compiled_templates_are_reused_and_recompiled_when_edited(tmp_path: Path) -> None:
    templates, doctrees = tmp_path / "templates", tmp_path / "doctrees"
    templates.mkdir()
    page = templates / "page.html"
    page.write_text("<h1>{{ title }}</h1>", encoding="utf-8")

    first = fake_app(templates, doctrees)  # one build (process) …
    templatecache.on_builder_inited(first)  # type: ignore[arg-type]
    assert render(first) == "<h1>投诉处理</h1>"
    cached = list((doctrees / templatecache.CACHE_DIR).rglob("*.cache"))
    assert len(cached) == 1

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

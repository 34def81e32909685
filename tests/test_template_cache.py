"""The compiled-template cache: the same bytes from a cache hit as from a fresh compile, entries used only
for the same source and settings, and a folder that cannot be written never an error."""

from __future__ import annotations

import jinja2

from symconv.rendering.template_cache import TemplateCache, cache_folder, template_cache

SOURCE = "((* for n in items *))(((n)))+((* endfor *))\n"
OPTIONS = dict(block_start_string="((*", block_end_string="*))", variable_start_string="(((",
               variable_end_string=")))", trim_blocks=True)


def _environment(folder, cache) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache, **OPTIONS)


def _compiled_from_cache(cache: TemplateCache, env: jinja2.Environment, name: str) -> bool:
    source, filename, _ = env.loader.get_source(env, name)
    bucket = cache.get_bucket(env, name, filename, source)
    return bucket.code is not None


def test_the_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "symconv" / "templates"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "symconv" / "templates"


def test_a_cache_hit_renders_the_same_bytes(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "t.j2").write_text(SOURCE)
    first = _environment(tmp_path, template_cache(OPTIONS)).get_template("t.j2").render(items=[1, 2])
    cache = template_cache(OPTIONS)
    env = _environment(tmp_path, cache)
    assert _compiled_from_cache(cache, env, "t.j2")
    assert env.get_template("t.j2").render(items=[1, 2]) == first == "1+2+"


def test_an_entry_is_used_only_for_the_same_source_and_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "t.j2").write_text(SOURCE)
    _environment(tmp_path, template_cache(OPTIONS)).get_template("t.j2")
    other = dict(OPTIONS, trim_blocks=False)
    cache = template_cache(other)
    assert not _compiled_from_cache(cache, _environment(tmp_path, cache), "t.j2")
    (tmp_path / "t.j2").write_text(SOURCE.replace("+", "-"))
    cache = template_cache(OPTIONS)
    env = _environment(tmp_path, cache)
    assert not _compiled_from_cache(cache, env, "t.j2")
    assert env.get_template("t.j2").render(items=[1, 2]) == "1-2-"


def test_a_folder_that_cannot_be_made_means_no_cache(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert template_cache(OPTIONS) is None


def test_a_folder_that_cannot_be_written_or_read_is_a_miss(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "t.j2").write_text(SOURCE)
    cache = template_cache(OPTIONS)
    cache_folder().rmdir()  # gone after it was made: writing an entry fails
    assert _environment(tmp_path, cache).get_template("t.j2").render(items=[3]) == "3+"
    cache_folder().mkdir()
    for entry in ("damaged", ""):  # a damaged entry (right name, wrong bytes) is compiled again
        env = _environment(tmp_path, cache)
        source, filename, _ = env.loader.get_source(env, "t.j2")
        key = cache.get_cache_key("t.j2", filename)
        (cache_folder() / f"{key}.cache").write_bytes(jinja2.bccache.bc_magic + entry.encode())
        assert env.get_template("t.j2").render(items=[4]) == "4+"

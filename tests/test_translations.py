"""The Simplified Chinese translation is complete, compiled, and used by the pages.

Catalogues live in each app's locale/ and in the root locale/ (project templates); `make
messages` regenerates them. A string added to code or templates without a translation makes
test_catalogues_cover_every_string_in_the_code fail: run `make messages`, translate the new
entries in the zh_Hans django.po files, then `manage.py compilemessages --ignore=.venv`.
"""

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", "media", "__pycache__"}
# Same ignores as the Makefile's `messages` target.
MAKEMESSAGES_IGNORES = [".venv", "tests", "bench", "staticfiles", "media", "node_modules"]


def _po_files(lang=None):
    found = []
    for path in ROOT.rglob("*.po"):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS & set(rel.parts):
            continue
        if "LC_MESSAGES" not in rel.parts:
            continue
        if lang is None or rel.parts[rel.parts.index("LC_MESSAGES") - 1] == lang:
            found.append(path)
    return sorted(found)


def _unquote(line):
    return ast.literal_eval(line.strip())


def _parse_po(path):
    """Entries of a .po file (blank-line separated, as gettext writes them): dicts with
    flags, msgctxt, msgid, msgid_plural and msgstr (index -> text; 0 for a plain msgstr).
    Obsolete (#~) entries are skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": set(), "msgstr": {}}, None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                if key[0] == "msgstr":
                    entry["msgstr"][key[1]] += _unquote(line)
                else:
                    entry[key[0]] += _unquote(line)
            else:
                word, _, rest = line.partition(" ")
                if word.startswith("msgstr"):
                    key = ("msgstr", int(word[7:-1]) if word.startswith("msgstr[") else 0)
                    entry["msgstr"][key[1]] = _unquote(rest)
                else:
                    key = (word,)
                    entry[word] = _unquote(rest)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _problems(path, root=ROOT):
    problems = []
    name = path.relative_to(root)
    for e in _parse_po(path):
        if e["msgid"] == "":
            continue
        if "fuzzy" in e["flags"]:
            problems.append(f"{name}: fuzzy: {e['msgid']!r}")
        elif not e["msgstr"] or not all(e["msgstr"].values()):
            problems.append(f"{name}: untranslated: {e['msgid']!r}")
    return problems


def _catalog_from_po(path):
    """What msgfmt puts in the .mo: translated, non-fuzzy entries plus the header."""
    catalog = {}
    for e in _parse_po(path):
        if "fuzzy" in e["flags"] and e["msgid"] != "":
            continue
        if not all(e["msgstr"].values()):
            continue
        msgid = e["msgid"]
        if "msgctxt" in e:
            msgid = f"{e['msgctxt']}\x04{msgid}"
        if "msgid_plural" in e:
            for index, text in e["msgstr"].items():
                catalog[(msgid, index)] = text
        else:
            catalog[msgid] = e["msgstr"][0]
    return catalog


def _catalog_from_mo(path):
    with path.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)


def _without_pot_date(catalog):
    """msgfmt leaves POT-Creation-Date out of the compiled header (some versions do)."""
    header = "".join(
        line for line in catalog.get("", "").splitlines(True) if not line.startswith("POT-")
    )
    return {**catalog, "": header}


def test_every_app_with_strings_has_a_chinese_catalogue():
    english = {p.parent.parent.parent for p in _po_files("en")}
    chinese = {p.parent.parent.parent for p in _po_files("zh_Hans")}
    assert chinese, "no zh_Hans catalogue found: run `make messages`"
    assert english <= chinese
    from config import settings as configured  # the product's default, not the tests' English

    assert translation.to_locale(configured.LANGUAGE_CODE) == "zh_Hans"


@pytest.mark.parametrize("po", _po_files("zh_Hans"), ids=lambda p: str(p.relative_to(ROOT)))
def test_chinese_catalogue_is_complete(po):
    assert _problems(po) == []
    header = next(e for e in _parse_po(po) if e["msgid"] == "")["msgstr"][0]
    assert "Language: zh_Hans\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "fuzzy" not in next(e for e in _parse_po(po) if e["msgid"] == "")["flags"]


@pytest.mark.parametrize("po", _po_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches_its_po(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} missing: run manage.py compilemessages"
    assert _without_pot_date(_catalog_from_mo(mo)) == _without_pot_date(_catalog_from_po(po)), (
        f"{mo.relative_to(ROOT)} is older than its .po: run manage.py compilemessages"
    )
    if shutil.which("msgfmt"):
        # What compilemessages runs: placeholders must match their msgid.
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext (xgettext, msgmerge)")
def test_catalogues_cover_every_string_in_the_code(tmp_path):
    """makemessages on a copy of the tree adds no new or changed (fuzzy) string."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.mo", "*.pyc"),
        symlinks=True,
    )
    ignores = [f"--ignore={name}" for name in MAKEMESSAGES_IGNORES]
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", *ignores],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    problems = []
    for po in copy.rglob("zh_Hans/LC_MESSAGES/*.po"):
        problems += _problems(po, root=copy)
    before = {p.relative_to(ROOT) for p in _po_files("zh_Hans")}
    after = {p.relative_to(copy) for p in copy.rglob("zh_Hans/LC_MESSAGES/*.po")}
    assert after == before, "new catalogue files: run `make messages` and translate them"
    assert problems == [], "run `make messages` and translate these in the zh_Hans .po files"


def test_gettext_uses_the_app_catalogues():
    with translation.override("zh-hans"):
        assert translation.gettext("Awaiting dispatch") == "待派工"
        assert translation.gettext("Job accepted. Call the customer now.") != (
            "Job accepted. Call the customer now."
        )
        assert translation.gettext("Service dispatch") == "售后派工系统"
        assert (
            translation.ngettext("%(n)s ticket on this page", "%(n)s tickets on this page", 3)
            % {"n": 3}
            == "本页 3 张工单"
        )
    with translation.override("en"):
        assert translation.gettext("Awaiting dispatch") == "Awaiting dispatch"


@pytest.mark.django_db
def test_login_page_in_chinese_and_english(client):
    zh = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200
    body = zh.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<h1>登录</h1>" in body
    assert "用户名" in body and "密码" in body
    assert "Log in" not in body

    en = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200
    body = en.content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Log in</h1>" in body
    assert "Username" in body and "Password" in body
    assert "登录" not in body


def test_no_other_catalogue_shadows_ours():
    """A third-party app's translation of the same msgid must not replace ours (django-filter
    has "Filter" as 过滤器): our catalogues are in LOCALE_PATHS, ahead of the apps'."""
    shadowed = []
    with translation.override("zh-hans"):
        for po in _po_files("zh_Hans"):
            for e in _parse_po(po):
                if not e["msgid"] or "msgctxt" in e or "fuzzy" in e["flags"]:
                    continue
                if "msgid_plural" in e:
                    shown = translation.ngettext(e["msgid"], e["msgid_plural"], 1)
                else:
                    shown = translation.gettext(e["msgid"])
                if shown != e["msgstr"][0]:
                    shadowed.append(f"{po.relative_to(ROOT)}: {e['msgid']!r} shows {shown!r}")
    assert shadowed == []

"""Interface messages of a site: the theme's gettext catalogs, compiled with Babel once per build.

Every theme folder may carry ``locales/<language>/LC_MESSAGES/messages.po``. The bundled default
theme ships the whole catalog for the languages it knows (``messages.pot`` lists every message);
a site's own theme may carry a catalog with only the messages it words differently, and those
win. Message ids are English, so a language with no catalog at all shows English (and the build
says so once). Catalogs are theme files: the build's key holds them as it holds templates
(:func:`kowp_site.site.cache.theme_signature`).
"""

from __future__ import annotations

import functools
import gettext
import io
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site.errors import KowpError, Problem

if TYPE_CHECKING:  # Babel is imported when a build compiles a catalog, not by a build with nothing to do
    from babel.messages.catalog import Catalog, Message

    from kowp_site.site.media_links import MediaLabels

DOMAIN = "messages"
PLACEHOLDER = re.compile(r"%\((\w+)\)")
PLURAL_FORMS = re.compile(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;]+)")
ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"  # gettext's own rule where a catalog names none
SAMPLES = 1000  # whole numbers tried to find one that takes each plural form


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark for extraction, translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


# Short names, where a month stands below a bar of a chart ("May" is its own short name).
SHORT_MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


# What a rendered body says where a player or an embed becomes a link (markdown.MediaLabels).
AUDIO_LABEL = N_("Listen to the audio")
VIDEO_LABEL = N_("Watch the video")


@dataclass(frozen=True)
class Messages:
    """The compiled interface messages of one build and what they were made from."""

    language: str
    translations: gettext.NullTranslations
    sources: tuple[Path, ...]  # the catalogs merged, least specific first

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, num: int, **values: object) -> str:
        return self.translations.ngettext(singular, plural, num) % {"num": num, **values}

    def plural_rule(self) -> tuple[int, str]:
        """(number of plural forms, the C expression of ``n`` that gives a form's index) from the
        catalog's Plural-Forms; gettext accepts nothing in it but ``n``, numbers, operators and ``?:``."""
        header = self.translations.info().get("plural-forms") or ENGLISH_PLURALS
        found = PLURAL_FORMS.search(header)
        where = ", ".join(str(p) for p in self.sources) or self.language
        if found is None or int(found[1]) < 1:
            raise KowpError(f"{where}: Plural-Forms {header!r} is not 'nplurals=N; plural=EXPRESSION;'")
        try:
            gettext.c2py(found[2])  # type: ignore[attr-defined]  # gettext's own check of the expression
        except (ValueError, SyntaxError) as exc:
            raise KowpError(f"{where}: the plural expression {found[2]!r} is not one gettext reads: {exc}") from None
        return int(found[1]), found[2].strip()

    def plural_forms(self, singular: str, plural: str) -> tuple[str, ...]:
        """Every plural form of a message, by index (a form no number below :data:`SAMPLES` takes
        is what :data:`SAMPLES` takes)."""
        count, expression = self.plural_rule()
        index = gettext.c2py(expression)  # type: ignore[attr-defined]
        samples: dict[int, int] = {}
        for n in range(SAMPLES):
            samples.setdefault(index(n), n)
        return tuple(self.ngettext(singular, plural, samples.get(i, SAMPLES)) for i in range(count))

    def month(self, number: int) -> str:
        """The name of month ``number`` (1-12) as the language writes it on its own."""
        return self.translations.gettext(MONTHS[number - 1])

    def short_month(self, number: int) -> str:
        return self.translations.gettext(SHORT_MONTHS[number - 1])

    def media_labels(self) -> MediaLabels:
        """The labels of players and embeds turned into links, for the Markdown renderer and feeds."""
        from kowp_site.site.media_links import MediaLabels

        return MediaLabels(self.translations.gettext(AUDIO_LABEL), self.translations.gettext(VIDEO_LABEL))

    def month_of_year(self, year: int, month: int) -> str:
        return self.gettext("%(month)s %(year)s", month=self.month(month), year=year)


def codes(language: str) -> list[str]:
    """Catalog folder names to try for a language code, most specific first: pt-BR -> pt_BR, pt."""
    parts = language.replace("-", "_").split("_")
    found = ["_".join([parts[0].lower(), *parts[1:]])] if len(parts) > 1 else []
    return [*found, parts[0].lower()]


def catalog_files(dirs: Sequence[Path], language: str) -> list[Path]:
    """The catalog of ``language`` in each theme folder that has one, least specific first."""
    found = []
    for folder in reversed(list(dirs)):
        for code in codes(language):
            path = folder / "locales" / code / "LC_MESSAGES" / f"{DOMAIN}.po"
            if path.is_file():
                found.append(path)
                break
    return found


def read_catalog(path: Path, data: bytes) -> Catalog:
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        raise KowpError(f"{path}: not a valid gettext catalog: {exc}") from None
    check_formats(path, catalog)
    return catalog


def strings_of(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def brace_fields(text: str) -> set[str]:
    """The ``{name}`` fields of a message written for ``str.format`` (none if it is not one)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def check_formats(path: Path, catalog: Catalog) -> None:
    """Every translation is formatted with its message's values (``%(name)s``; a plain ``%`` is
    written ``%%``; a script's message also ``{name}``, a brace ``{{``): one that names another
    value, or is no format at all, stops the build here rather than in the middle of rendering."""
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        values = dict.fromkeys({name for text in ids for name in PLACEHOLDER.findall(text)} | {"num"}, 1)
        braces = {name for text in ids for name in brace_fields(text)}  # a script's message (jstext)
        for text in strings_of(message):
            try:
                text % values  # noqa: B018 - formatted to see that it can be
                if braces:
                    text.format(**dict.fromkeys(braces, 1))
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                raise KowpError(f"{path}: the translation of {ids[0]!r} does not fit the message: {exc!r}") from None


def merged(catalogs: Sequence[Catalog]) -> Catalog:
    """The first catalog with the translated messages of each later one put over it."""
    base = catalogs[0]
    for override in catalogs[1:]:
        for message in override:
            if not message.id or message.fuzzy or not all(strings_of(message)):
                continue
            existing = base.get(message.id, context=message.context)
            if existing is None:
                base[message.id] = message
            else:
                existing.string = message.string
    return base


def compiled(catalog: Catalog) -> bytes:
    """The catalog as gettext reads it: the bytes of a .mo file, made in memory."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def translations_of(mo: bytes) -> gettext.GNUTranslations:
    """gettext's reader of .mo bytes (what Babel's Translations extends; nothing more is used)."""
    return gettext.GNUTranslations(io.BytesIO(mo))


def load(dirs: Sequence[Path], language: str) -> Messages:
    """The messages of ``language`` from the theme folders ``dirs`` (most specific first)."""
    return _loaded(language, catalog_files(dirs, language))[0]


def _loaded(language: str, paths: Sequence[Path]) -> tuple[Messages, bytes]:
    """The messages of the catalogs ``paths``, and their compiled bytes (b"": no catalog)."""
    if not paths:
        return Messages(language, gettext.NullTranslations(), ()), b""
    mo = compiled(merged([read_catalog(p, p.read_bytes()) for p in paths]))
    return Messages(language, _translations(paths, mo), tuple(paths)), mo


def _translations(paths: Sequence[Path], mo: bytes) -> gettext.GNUTranslations:
    try:
        return translations_of(mo)
    except ValueError as exc:  # gettext compiles the Plural-Forms expression of the first catalog
        raise KowpError(f"{paths[0]}: the plural expression of Plural-Forms is not one gettext reads: {exc}") from None


KEEP_COMPILED = 6  # compiled catalogs kept in a site's build cache (languages, theme edits)


def load_kept(dirs: Sequence[Path], language: str, kept: Path | None = None) -> Messages:
    """:func:`load`, kept in this process while the catalog files keep their stat (the renderer of
    every post and the templates share one compile; forked workers inherit it), and, with
    ``kept`` (a folder of the build cache), compiled once for every process: the next build
    reads the .mo bytes instead of parsing the catalogs."""
    paths = catalog_files(dirs, language)
    stamp = tuple((str(p), st.st_mtime_ns, st.st_size, st.st_ino) for p in paths for st in (p.stat(),))
    return _load_kept(tuple(dirs), language, stamp, kept)


@functools.lru_cache(maxsize=4)
def _load_kept(dirs: tuple[Path, ...], language: str, stamp: tuple[object, ...], kept: Path | None) -> Messages:
    paths = [Path(str(entry[0])) for entry in stamp]
    if kept is None or not paths:
        return _loaded(language, paths)[0]
    path = kept / f"{language}-{_compiled_key(stamp)}.mo"
    try:
        return Messages(language, _translations(paths, path.read_bytes()), tuple(paths))
    except (OSError, KowpError):  # not kept yet, or a damaged file: compiled again below
        pass
    messages, mo = _loaded(language, paths)
    _keep(path, mo)
    return messages


def _compiled_key(stamp: tuple[object, ...]) -> str:
    """What a compiled catalog follows: the catalogs' stat, this module and the installed Babel."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("babel")
    code = [Path(__file__), Path(spec.origin)] if spec is not None and spec.origin else [Path(__file__)]
    parts = [stamp, [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in code]]
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _keep(path: Path, mo: bytes) -> None:
    """Write ``path`` atomically and remove all but the newest :data:`KEEP_COMPILED` beside it."""
    from kowp_site.site.disk import write_atomic

    try:
        write_atomic(path, mo)
        others = sorted(path.parent.glob("*.mo"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in others[KEEP_COMPILED:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs the next build a compile


def warnings(dirs: Sequence[Path], language: str) -> list[Problem]:
    """One warning when no theme has a catalog for the site's language."""
    if catalog_files(dirs, language):
        return []
    return [
        Problem(
            "pyproject.toml",
            None,
            f"no interface messages for language '{language}': pages show them in English",
            f"add themes/<theme>/locales/{codes(language)[0]}/LC_MESSAGES/{DOMAIN}.po (see the README)",
            severity="warning",
        )
    ]

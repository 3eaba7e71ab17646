"""Interface messages as JavaScript expressions, for theme scripts rendered with the site's catalog.

A theme script under ``templates/js/`` is rendered once per build (to ``static/js/``), so the
script a site gets already says its messages in the site's language::

    say({{ js_string(_("Searching…")) }});
    say({{ js_format(_("No results for ‘{query}’."), query="query.slice(0, 80)") }});
    say({{ js_ngettext("{count} result.", "{count} results.", count="hits.length") }});

Placeholders are ``{name}`` (``{{``/``}}`` for a brace); each one is given a JavaScript
expression. A message with one plural form (ko, ja) is a single expression; otherwise the
catalog's own plural expression, evaluated in the browser, picks the form.
"""

from __future__ import annotations

import json
import re
import string

import markupsafe

from kowp_site.errors import KowpError
from kowp_site.site.locale import Messages

# A name, a member, an index or a call: an operand of ``+`` as it is; anything else goes in parentheses.
SIMPLE = re.compile(r"[A-Za-z_$][\w$]*(?:\s*(?:\.\s*[A-Za-z_$][\w$]*|\([^()]*\)|\[[^\[\]]*\]))*")
PLURAL_N = re.compile(r"\bn\b")
LINE_SEPARATORS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


def js_string(text: str) -> markupsafe.Markup:
    """``text`` as a double-quoted JavaScript string literal: quotes, backslashes and control
    characters escaped, every other character (Hangul, ``…``, ``‘``) as it is."""
    literal = json.dumps(str(text), ensure_ascii=False)
    for char, escaped in LINE_SEPARATORS.items():
        literal = literal.replace(char, escaped)
    return markupsafe.Markup(literal)


def operand(expression: str) -> str:
    """``expression`` as an operand of ``+``."""
    expression = str(expression).strip()
    if not expression:
        raise KowpError("a placeholder of a script message is given no JavaScript expression")
    return expression if SIMPLE.fullmatch(expression) else f"({expression})"


def pieces(text: str, values: dict[str, str]) -> list[tuple[bool, str]]:
    """(is a string literal, JavaScript) of each piece of ``text`` in order; adjacent text is one literal."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise KowpError(f"the script message {text!r} is not a message with {{name}} placeholders: {exc}") from None
    found: list[tuple[bool, str]] = []
    pending = ""
    for literal, name, spec, conversion in parsed:
        pending += literal
        if name is None:
            continue
        if spec or conversion or name not in values:
            given = ", ".join(sorted(values)) or "none"
            raise KowpError(f"the script message {text!r} names {{{name}}}; the script gives {given}")
        if pending:
            found.append((True, js_string(pending)))
            pending = ""
        found.append((False, operand(values[name])))
    if pending or not found:
        found.append((True, js_string(pending)))
    return found


def js_format(text: str, **values: str) -> markupsafe.Markup:
    """A translated message with ``{name}`` placeholders as a JavaScript string expression:
    ``"part" + expression + "part"``. It starts with ``""`` when its first two pieces are both
    values, so that numbers are joined as text, not added."""
    found = pieces(str(text), values)
    if not found[0][0] and (len(found) == 1 or not found[1][0]):
        found.insert(0, (True, '""'))
    return markupsafe.Markup(" + ".join(js for _, js in found))


def grouped(expression: str) -> str:
    """``expression`` in parentheses, unless the whole of it already is."""
    expression = expression.strip()
    depth = 0
    for i, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(expression) - 1:
            return f"({expression})"
    return expression if expression.startswith("(") else f"({expression})"


def js_ngettext(messages: Messages, singular: str, plural: str, /, count: str, **values: str) -> markupsafe.Markup:
    """A message with plural forms as a JavaScript expression; ``count`` is the expression of the
    number that picks the form, and fills ``{count}``. One form: the form itself; two: a
    conditional on the catalog's plural expression; more: an array indexed by it."""
    forms = [js_format(form, count=count, **values) for form in messages.plural_forms(singular, plural)]
    if len(forms) == 1:
        return forms[0]
    _, rule = messages.plural_rule()
    if "/" in rule:  # gettext divides whole numbers; JavaScript's / does not
        raise KowpError(f"the plural expression {rule!r} divides: a script cannot pick its forms")
    choice = grouped(PLURAL_N.sub(lambda _: operand(count), rule))
    if len(forms) == 2:
        return markupsafe.Markup(f"({choice} ? {forms[1]} : {forms[0]})")
    return markupsafe.Markup(f"[{', '.join(forms)}][Number{choice}]")

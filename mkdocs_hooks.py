"""MkDocs hooks and a griffe extension for the documentation site (see mkdocs.yml).

The hooks run on the HTML of each page, after Markdown and mkdocstrings, and do two things:

* render math as MathML at build time with latex2mathml, so the pages need no JavaScript and
  nothing from the network. Browsers render MathML Core natively. A formula that latex2mathml
  cannot convert stays as its LaTeX source and logs a warning, which fails a strict build.
* turn the reStructuredText markup that some docstrings use into HTML: roles such as
  :class:`~curvature.errors.NonFiniteValueError` become inline code with the name as Sphinx
  would show it, `.. math::` blocks become MathML, and `.. note::` and `.. warning::` become
  admonitions.

The griffe extension, `DoctestExamples`, renames the docstrings' "Example:" sections to
"Examples:". griffe's Google-style parser renders "Examples:" as doctest code blocks, but
"Example:" as an admonition whose ">>>" lines Markdown turns into nested block quotes.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import Any

import griffe
from latex2mathml.converter import convert
from mkdocs.structure.pages import Page

# MkDocs counts warnings of loggers under "mkdocs" in a strict build.
log = logging.getLogger("mkdocs.hooks.docs")

# pymdownx.arithmatex in generic mode wraps $...$ in \( \) and $$...$$ in \[ \].
_INLINE_MATH = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
_BLOCK_MATH = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)

# A docstring's reST role renders as :class:<code>name</code>; "~" keeps the last component.
_ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data|obj):<code>(~?)([^<]+)</code>")
# A docstring's `.. math::` block renders as a paragraph of HTML-escaped LaTeX lines.
_RST_MATH = re.compile(r"<p>\.\. math::\s*\n(.*?)</p>", re.DOTALL)
_RST_ADMONITION = re.compile(r"<p>\.\. (note|warning)::\s*\n(.*?)</p>", re.DOTALL)

_EXAMPLE_SECTION = re.compile(r"^([ \t]*)Example:[ \t]*$", re.MULTILINE)


def render_math(latex: str, display: str, page: str) -> str | None:
    """Convert LaTeX to MathML, or log a warning and return None where latex2mathml cannot."""
    try:
        return str(convert(latex.strip(), display=display))
    except Exception as error:  # latex2mathml raises several types on input it cannot parse
        log.warning(
            "%s: latex2mathml cannot convert %r: %s: %s",
            page,
            latex,
            type(error).__name__,
            error,
        )
        return None


def _math_replacer(display: str, page: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        mathml = render_math(html.unescape(match.group(1)), display, page)
        if mathml is None:
            return match.group(0)
        return f'<div class="math">{mathml}</div>' if display == "block" else mathml

    return replace


def _replace_role(match: re.Match[str]) -> str:
    shortened, name = match.groups()
    return f"<code>{name.rsplit('.', 1)[-1] if shortened else name}</code>"


def _replace_rst_admonition(match: re.Match[str]) -> str:
    kind, body = match.groups()
    return (
        f'<div class="admonition {kind}"><p class="admonition-title">{kind.title()}</p>'
        f"<p>{body.strip()}</p></div>"
    )


def on_page_content(html_text: str, *, page: Page, **kwargs: Any) -> str:
    """Render the math and the docstrings' reST markup of one page."""
    source = page.file.src_uri
    html_text = _ROLE.sub(_replace_role, html_text)
    html_text = _RST_MATH.sub(_math_replacer("block", source), html_text)
    html_text = _RST_ADMONITION.sub(_replace_rst_admonition, html_text)
    html_text = _BLOCK_MATH.sub(_math_replacer("block", source), html_text)
    return _INLINE_MATH.sub(_math_replacer("inline", source), html_text)


class DoctestExamples(griffe.Extension):
    """Render "Example:" sections of docstrings as "Examples:" sections of doctests."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rename the section before griffe parses the docstring."""
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE_SECTION.sub(r"\1Examples:", obj.docstring.value)

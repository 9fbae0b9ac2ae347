"""The documentation site: a strict MkDocs build, and every Python example in the docs run.

The build runs `mkdocs build --strict` (mkdocs.yml sets the validation of links, anchors and
nav entries to warnings), so any warning from MkDocs, mkdocstrings, griffe or the hooks in
mkdocs_hooks.py fails it. The examples are the ```python fenced blocks of docs/**/*.md and
README.md. The blocks of one page run in order in one namespace, in a temporary working
directory. Output listings and shell sessions use other fence languages (```text,
```console) and do not run.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace

import griffe
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# An opening fence: any indentation (blocks in lists are indented), ``` or ~~~, an info string.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block of a Markdown page."""

    language: str
    line: int  # the 1-based line of the first line of code
    code: str


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Return the fenced code blocks of a Markdown text, with the language of each."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening.group("fence")
        info = opening.group("info").strip()
        language = info.split()[0].strip("{}.").lower() if info else ""
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        first_line = index - len(body) + 1
        blocks.append(CodeBlock(language, first_line, textwrap.dedent("\n".join(body))))
        index += 1
    return blocks


def python_blocks(text: str) -> list[CodeBlock]:
    """Return the blocks of a Markdown text whose fence language is python or py."""
    return [block for block in fenced_blocks(text) if block.language in ("python", "py")]


def pages_with_examples() -> list[Path]:
    pages = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
    return [page for page in pages if python_blocks(page.read_text(encoding="utf-8"))]


def test_fenced_blocks_finds_languages_and_lines() -> None:
    text = "intro\n\n```python\nx = 1\n```\n\n```text\nnot code\n```\n\n  ```py\n  y = 2\n  ```\n"
    blocks = fenced_blocks(text)
    assert [block.language for block in blocks] == ["python", "text", "py"]
    assert [block.line for block in blocks] == [4, 8, 12]
    assert [block.code for block in python_blocks(text)] == ["x = 1", "y = 2"]


def test_docs_have_python_examples() -> None:
    # Guards the extraction: the pages below are known to hold runnable examples.
    names = {page.relative_to(ROOT).as_posix() for page in pages_with_examples()}
    assert "docs/getting-started.md" in names
    assert "docs/optimizer.md" in names
    assert "docs/real-models.md" in names
    assert "README.md" in names


# torch warns about a reference cycle on backward(create_graph=True), which docs/optimizer.md
# uses; the optimizer breaks that cycle after each step.
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.parametrize(
    "page", pages_with_examples(), ids=lambda page: page.relative_to(ROOT).as_posix()
)
def test_docs_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    name = page.relative_to(ROOT).as_posix()
    default_dtype = torch.get_default_dtype()
    # Examples seed torch themselves; the fork keeps them from changing other tests' draws.
    with torch.random.fork_rng():
        try:
            for block in python_blocks(page.read_text(encoding="utf-8")):
                # Leading newlines make tracebacks give the line number within the page.
                source = "\n" * (block.line - 1) + block.code
                try:
                    exec(compile(source, name, "exec"), namespace)
                except Exception as error:
                    raise AssertionError(
                        f"{name}: the example starting at line {block.line} raised "
                        f"{type(error).__name__}: {error}"
                    ) from error
        finally:
            torch.set_default_dtype(default_dtype)


def test_docs_build_strict(tmp_path: Path) -> None:
    # mkdocs-material 9.8 prints an end-of-life notice on every build unless NO_MKDOCS_2_WARNING
    # is set; the notice is not a warning of the build.
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{output}"
    assert warnings == [], "mkdocs build printed warnings:\n" + "\n".join(warnings)
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "api" / "optim.html").is_file()


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hooks_render_rst_markup_and_math() -> None:
    hooks = load_hooks()
    page = SimpleNamespace(file=SimpleNamespace(src_uri="api/example.md"))
    html_text = (
        "<p>raises :class:<code>~curvature.errors.NonFiniteValueError</code> or "
        ":func:<code>curvature.estimators.hvp</code></p>\n"
        "<p>.. math::\n    \\eta = \\frac{1}{2}</p>\n"
        "<p>.. warning::\n    Diverges.</p>\n"
        '<p>inline <span class="arithmatex">\\(x^2\\)</span></p>\n'
        '<div class="arithmatex">\\[x &lt; 1\\]</div>'
    )
    rendered = hooks.on_page_content(html_text, page=page)
    assert "<code>NonFiniteValueError</code>" in rendered
    assert "<code>curvature.estimators.hvp</code>" in rendered
    assert ":class:" not in rendered
    assert ".. math::" not in rendered
    assert '<div class="admonition warning"><p class="admonition-title">Warning</p>' in rendered
    assert "arithmatex" not in rendered
    assert rendered.count("<math") == 3
    assert rendered.count('display="block"') == 2


def test_hooks_warn_on_invalid_latex(caplog: pytest.LogCaptureFixture) -> None:
    hooks = load_hooks()
    page = SimpleNamespace(file=SimpleNamespace(src_uri="proofs/broken.md"))
    html_text = '<p><span class="arithmatex">\\(\\frac{1}{\\)</span></p>'
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.docs"):
        rendered = hooks.on_page_content(html_text, page=page)
    assert rendered == html_text
    assert "proofs/broken.md: latex2mathml cannot convert" in caplog.text


def test_doctest_examples_renames_section() -> None:
    hooks = load_hooks()
    docstring = griffe.Docstring("Summary.\n\nExample:\n    >>> 1 + 1\n    2")
    function = griffe.Function("f", docstring=docstring)
    hooks.DoctestExamples().on_object(obj=function)
    assert docstring.value == "Summary.\n\nExamples:\n    >>> 1 + 1\n    2"

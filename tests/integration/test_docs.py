"""
README.md and docs/*.md: links that resolve, a contents list, wrapped lines, and names that exist.

The README is the first page a newcomer reads and the docs are where it sends them, so a link to
a moved heading, a test that was renamed or a module that left the tree is a fault these tests
catch. Markdown is read with markdown-it-py (CommonMark with tables), not with regular
expressions, so links inside code are not taken for links.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = (README, *sorted((ROOT / "docs").glob("*.md")))
LONGEST_LINE = 400

# Paths the README's Layout names that other branches of issue 14 create. Each is expected to be
# missing until its branch is merged; `xfail_strict` then turns the pass into a failure, so the
# entry must be taken out of this set once the path exists.
PENDING_MERGE: dict[str, str] = {}

_MD = MarkdownIt("commonmark").enable("table")


def _tokens(page: Path) -> list[Token]:
    return _MD.parse(page.read_text(encoding="utf-8"))


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LNM")
    return text.replace(" ", "-")


def _headings(page: Path) -> list[tuple[int, str]]:
    """(level, text) of each heading, the text as rendered (code spans without backticks)."""
    tokens = _tokens(page)
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            text = "".join(
                child.content
                for child in inline.children or ()
                if child.type in ("text", "code_inline")
            )
            found.append((int(token.tag[1]), text))
    return found


def _anchors(page: Path) -> set[str]:
    seen: Counter[str] = Counter()
    anchors = set()
    for _, text in _headings(page):
        slug = _slug(text)
        anchors.add(slug if seen[slug] == 0 else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return anchors


def _targets(page: Path) -> Iterator[str]:
    for token in _walk(_tokens(page)):
        if token.type == "link_open":
            yield str(token.attrs["href"])
        elif token.type == "image":
            yield str(token.attrs["src"])


def _relative_links() -> list[tuple[Path, str]]:
    return [
        (page, target)
        for page in PAGES
        for target in _targets(page)
        if not urlsplit(target).scheme and not target.startswith("//")
    ]


def _section(page: Path, heading: str) -> str:
    """The markdown between a `## heading` and the next heading of level 2 or above."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^#{{1,2}} |\Z)", text, re.M | re.S)
    assert match, f"{page.name} has no '## {heading}' section"
    return match.group(1)


def _layout_paths() -> list[str]:
    block = re.search(r"```\n(.*?)```", _section(README, "Layout"), re.S)
    assert block, "README's Layout has no code block"
    return [line.split()[0] for line in block.group(1).splitlines() if line[:1].strip()]


def test_the_pages_have_links_to_check() -> None:
    """The link check below has something to check: README links into docs/ and back."""
    links = _relative_links()
    assert any(page == README and target.startswith("docs/") for page, target in links)
    assert any(page != README and target.startswith("../README.md") for page, target in links)


@pytest.mark.parametrize(
    ("page", "target"),
    _relative_links(),
    ids=[f"{page.name}->{target}" for page, target in _relative_links()],
)
def test_every_relative_link_points_to_a_file_and_heading_that_exist(
    page: Path, target: str
) -> None:
    """A relative link names an existing file, and an anchor names a heading of that file."""
    parts = urlsplit(target)
    path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    assert path.exists(), f"{page.name}: {target} points to a missing file"
    assert path.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
    if parts.fragment:
        assert path.suffix == ".md", f"{page.name}: {target} has an anchor into a non-markdown file"
        assert parts.fragment in _anchors(path), (
            f"{page.name}: {target}: no heading of {path.name} has the anchor #{parts.fragment}"
        )


def test_the_readme_lists_its_sections_in_a_contents_list() -> None:
    """README has a Contents section linking to each of its own `##` sections, in order."""
    contents = _section(README, "Contents")
    listed = re.findall(r"^- \[[^\]]+\]\(#([^)]+)\)$", contents, re.M)
    sections = [_slug(text) for level, text in _headings(README) if level == 2]
    assert listed == [s for s in sections if s != "contents"]


def test_the_readme_sends_each_reader_somewhere_before_its_contents() -> None:
    """The first screen names the Town Clerk, the integrator, the operator and the auditor."""
    where = _section(README, "Where to go next")
    for reader in ("Town Clerk", "integrator", "Operator", "Auditor"):
        item = re.search(rf"^- \*\*[^*]*{reader}[^*]*\*\*.*?(?=^- |\Z)", where, re.M | re.S)
        assert item, f"'Where to go next' has no entry for the {reader}"
        assert "](" in item.group(0), f"the {reader}'s entry links nowhere"
    text = README.read_text(encoding="utf-8")
    assert text.index("## Where to go next") < text.index("## Contents")
    assert "make run" in text[: text.index("## Where to go next")]
    assert "make test" in text[: text.index("## Where to go next")]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_no_line_but_a_table_row_is_longer_than_400_characters(page: Path) -> None:
    """Prose is wrapped; only table rows, which cannot be, may run long."""
    long_lines = [
        number
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > LONGEST_LINE and not line.lstrip().startswith("|")
    ]
    assert long_lines == [], f"{page.name}: lines {long_lines} are over {LONGEST_LINE} characters"


_REPOSITORY_PATH = re.compile(r"(?:app|tests|bench|policies|calendars|docs|openapi)(?:/[\w.*-]*)*")


def _names_something_missing(name: str, test_sources: str) -> bool:
    """Whether a code span names a test, a test file or a repository path that does not exist."""
    if re.fullmatch(r"test_\w+", name):
        return not re.search(rf"^\s*(?:async )?def {name}\(", test_sources, re.M)
    if re.fullmatch(r"test_\w+\.py", name):
        return not any(ROOT.glob(f"tests/**/{name}"))
    if _REPOSITORY_PATH.fullmatch(name):
        return not any(ROOT.glob(name.rstrip("/")))
    return False


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_test_and_repository_path_the_pages_name_exists(page: Path) -> None:
    """A `test_...` name is a test function, and an `app/`, `tests/`, ... path is in the tree."""
    code = {t.content for t in _walk(_tokens(page)) if t.type == "code_inline"}
    test_sources = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.glob("tests/**/*.py"))
    missing = sorted(name for name in code if _names_something_missing(name, test_sources))
    assert missing == [], f"{page.name} names what the repository does not have: {missing}"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.xfail(reason=PENDING_MERGE[path], strict=True))
        if path in PENDING_MERGE
        else path
        for path in _layout_paths()
    ],
)
def test_every_path_in_the_readme_layout_exists(path: str) -> None:
    """Each line of README's Layout names a file or folder that is in the tree."""
    assert (ROOT / path).exists(), f"README's Layout names {path}, which is not in the tree"


def test_every_package_and_module_of_app_is_in_the_readme_layout() -> None:
    """Nothing at the top of app/ goes undescribed (a module and a package of one name match)."""
    named = {Path(path.rstrip("/")).stem for path in _layout_paths() if path.startswith("app/")}
    present = {
        entry.stem
        for entry in (ROOT / "app").iterdir()
        if (entry.is_dir() and (entry / "__init__.py").exists())
        or (entry.suffix == ".py" and entry.name != "__init__.py")
    }
    assert present - named == set(), f"README's Layout does not describe {present - named}"

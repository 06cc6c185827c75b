"""Every link between the project's markdown files reaches a file that exists and, with #anchor, a heading in it
(as GitHub names headings). The results live in several files that link into each other's sections; a renamed
heading or a moved section must not leave a dead link behind."""
import re

import pytest

from conftest import ROOT

DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "data").glob("*.md"),
               *(ROOT / "samples").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]+))?\)")


def heading_anchor(title):
    """GitHub's anchor for a heading: lower case, punctuation dropped (word characters, '-' and spaces kept),
    spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def anchors(path):
    """The anchors of every heading in a markdown file (outside code blocks); a repeated heading gets -1, -2..."""
    out, seen, in_code = set(), {}, False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        heading = None if in_code else re.match(r"^#+\s+(.*)", line)
        if heading:
            anchor = heading_anchor(heading.group(1))
            n = seen.get(anchor, 0)
            seen[anchor] = n + 1
            out.add(anchor if n == 0 else f"{anchor}-{n}")
    return out


def test_heading_anchors_follow_githubs_rule():
    assert heading_anchor("The protocol (`bench/cross_db.py`)") == "the-protocol-benchcross_dbpy"
    assert heading_anchor("Tried and lost: the mix for the N / S split only") == \
        "tried-and-lost-the-mix-for-the-n--s-split-only"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_between_markdown_files_resolve(doc):
    dead = []
    for target, anchor in LINK.findall(doc.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path = (doc.parent / target).resolve() if target else doc
        if not path.exists():
            dead.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            dead.append(f"{target}#{anchor}: no such heading")
    assert not dead, f"{doc.relative_to(ROOT)}: " + "; ".join(dead)

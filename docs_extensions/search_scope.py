"""Keep code blocks, diagram sources and collapsed blocks out of the search index: every
page loads less.

Material's search loads one index of the whole site on every page, before the reader
searches, and it grows with every example: with all of it, the heaviest pages with diagrams
go over their budget of 1,600 KiB (benchmarks/feedback_loop.py prints every page's weight).
Material skips any element marked `data-search-exclude`; this marks each Python block (two
fifths of the index at 27 examples; the prose around it uses the same names), each diagram's
Mermaid source (arrows and node ids, which no reader searches for), and each collapsed
`???` block: the depth of an example, which search reaches through the example it belongs
to (its title and its first read are indexed) and which is one click away on its page.
Console transcripts go too (at 80 examples they were a seventh of the index, and the
heaviest pages went over budget again): their commands are named in the prose around them,
and their responses are what a reader reads on the page, not what one searches for.
Headings, open prose and inline code (`fastapi dev`, `Depends`) stay searchable.

Zensical writes its own search index and does not run this step; its pages are unchanged.
"""

import re

from markdown import Extension
from markdown.postprocessors import Postprocessor

# The opening tags pymdownx writes for a Python block, a console block and a ```mermaid block.
EXCLUDED = [
    '<div class="language-python highlight">',
    '<div class="language-console highlight">',
    '<pre class="mermaid">',
]
# A collapsed block (pymdownx.details writes `???` as <details> without `open`).
COLLAPSED = re.compile(r"<details(?![^>]*\bopen\b)(?=[\s>])")


class SearchScope(Postprocessor):
    def run(self, text: str) -> str:
        for tag in EXCLUDED:
            text = text.replace(tag, tag.replace(">", " data-search-exclude>"))
        return COLLAPSED.sub("<details data-search-exclude", text)


class SearchScopeExtension(Extension):
    def extendMarkdown(self, md):
        # After the code blocks come back from the stash (raw_html, priority 30).
        md.postprocessors.register(SearchScope(md), "search_scope", 5)


def makeExtension(**kwargs):
    return SearchScopeExtension(**kwargs)

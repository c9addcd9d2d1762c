"""Keep Python code and diagram sources out of the search index: every page loads less.

Material's search loads one index of the whole site on every page, before the reader
searches. Two fifths of it was the text of Python code blocks, whose names the prose around
them also uses, and it grows with every example: with it, the heaviest page with diagrams
went over its budget of 1,600 KiB (benchmarks/feedback_loop.py prints every page's weight).
Material skips any element marked `data-search-exclude`; this marks each Python block, and
each diagram's Mermaid source (arrows and node ids, which no reader searches for).
Headings, prose, inline code and console transcripts (commands such as `fastapi dev` and
their responses) stay searchable.

Zensical writes its own search index and does not run this step; its pages are unchanged.
"""

from markdown import Extension
from markdown.postprocessors import Postprocessor

# The opening tags pymdownx writes for a Python block and for a ```mermaid block.
EXCLUDED = ['<div class="language-python highlight">', '<pre class="mermaid">']


class SearchScope(Postprocessor):
    def run(self, text: str) -> str:
        for tag in EXCLUDED:
            text = text.replace(tag, tag.replace(">", " data-search-exclude>"))
        return text


class SearchScopeExtension(Extension):
    def extendMarkdown(self, md):
        # After the code blocks come back from the stash (raw_html, priority 30).
        md.postprocessors.register(SearchScope(md), "search_scope", 5)


def makeExtension(**kwargs):
    return SearchScopeExtension(**kwargs)

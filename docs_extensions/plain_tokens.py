"""Leave out the markup that draws nothing.

Pygments wraps every name and every run of spaces in its own <span> (classes `n` and `w`),
although Material draws names in the colour of plain code (`--md-code-hl-name-color` is
`--md-code-fg-color`, light and dark) and styles no whitespace at all. On a long page these
spans were a third of the code's markup, and every one of them is parsed again by the search
plugin at each build. This Pygments filter hands both to Pygments as plain text, which it
writes with no span, merged with its neighbours: the page looks the same, weighs less, and
`mkdocs serve` rebuilds faster.

mkdocs.yml gives PLAIN_TOKENS to the lexers of the site's code through pymdownx.highlight's
extend_pygments_lang, as it does OUTPUT_LINES (output_lines.py).
"""

from pygments.filter import Filter
from pygments.token import Name, Text, Whitespace


class PlainTokens(Filter):
    def filter(self, lexer, stream):
        for token, value in stream:
            yield (Text if token is Name or token in Whitespace else token), value


PLAIN_TOKENS = PlainTokens()

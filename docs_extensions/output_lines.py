"""Show what the examples print as output, not as comments.

pytest-examples writes each print's output under it, as a `#> ...` comment or, for a long
output, as a ''' block right under the call. Pygments reads both as ordinary Python (a comment,
a docstring), so the outputs, which this site exists to show, would be coloured like the dim
comments around them. This Pygments filter gives them Pygments' own token for program output,
Generic.Output (CSS class `go`), the token the `console` lexer already gives the responses in
transcripts: everything an example prints then has one style (docs/assets/stylesheets/extra.css).

mkdocs.yml hands OUTPUT_LINES to the Python lexer through pymdownx.highlight's
extend_pygments_lang, so MkDocs and Zensical both apply it, with no plugin and no hook.
"""

from pygments.filter import Filter
from pygments.token import Comment, Generic, String, Whitespace


class OutputLines(Filter):
    def filter(self, lexer, stream):
        previous = None  # the last token that is not whitespace
        for token, value in stream:
            if token in Comment.Single and value.startswith("#>"):
                token = Generic.Output
            # Snippets write every other multi-line string with double quotes (ruff's
            # docstring style), and a ''' string statement right under a call is an output.
            elif token in String.Doc and value.startswith("'''") and previous == ")":
                # Line by line, indentation apart, so the output's style starts at its text.
                for line in value.splitlines(keepends=True):
                    text = line.strip()
                    start = line.index(text[0]) if text else len(line)
                    yield Whitespace, line[:start]
                    yield Generic.Output, text
                    yield Whitespace, line[start + len(text) :]
                previous = value.strip()
                continue
            if value.strip():
                previous = value.strip()
            yield token, value


OUTPUT_LINES = OutputLines()

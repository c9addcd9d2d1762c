"""Markdown extensions this site needs that neither MkDocs nor Material provide."""

"""Bringing English posts in: download the source feed, convert its HTML to Markdown, plan and write stubs."""

"""The build pipeline: configuration -> content -> Markdown -> pages and feeds -> the one writer."""

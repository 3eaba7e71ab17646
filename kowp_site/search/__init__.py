"""Site search: a tokenizer chosen by language, a sharded static index, the search page's outputs."""

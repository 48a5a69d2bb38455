"""The name engine: how characters look (`glyphs`), names reduced to the forms people read (`names`),
confusable pairs found without comparing every pair (`similar`, with `edit_join`, `deletion_hashes` and
`set_join`), and the public suffix list (`suffixes`).

May import `dlscan.support` only; numpy loads only when names are compared.
"""

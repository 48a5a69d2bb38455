"""One scan: snapshot in, findings and a summary out, with no I/O (`engine`); the costliest checks in a
forked process on the other core (`parallel`).

May import checks, boundary, matching, graph, sources, model and support.
"""

"""What runs above one scan: a scan job from settings to written output (`runner`), the nightly job
(`nightly`), the TOML config file (`config`), the history (`history/`), tickets (`tickets/`) and
accepted risks (`suppressions`).

May import every layer below the command line.
"""

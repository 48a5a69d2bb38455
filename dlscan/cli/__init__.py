"""The command line: click commands that gather settings and call the operations (`app` holds `main`).

The top layer: may import every other, and nothing imports it but `dlscan.__main__`.
"""

"""``make bench``: time and measure the manual's builds against plain reference pipelines.

``python -m manualkit.bench`` (see ``__main__``) runs every stage as a subprocess through the
``manualkit`` CLI, on the real manual and on synthetic 10×/50× manuals (``synth``).
"""

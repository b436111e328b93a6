"""Every reader-facing string: one catalogue module per language and a registry that picks one.

``en`` defines the catalogue (``Texts``, whose defaults are English), ``de`` fills it in German, and
``registry`` maps a reader's language to its catalogue. Adding a language is a file here and a line in the
registry.

May import: nothing else of ``bot``, nor ``storage``.
"""

"""The file side of the store: what an operator's content folder holds, read and checked without a database.

Owns front matter, parsing an article file into the validated article, article URLs, the one-line diagnostics,
files on disk (which files are articles, reading one while the folder is live), the disk scan of a sync,
``newsbot validate``, the ``topics.yaml`` catalogue and ``channels.yaml``.

May import: nothing else of ``storage`` (and never ``bot`` or ``telegram``).
"""

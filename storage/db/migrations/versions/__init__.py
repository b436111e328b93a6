"""One module per revision, named ``NNNN_slug.py`` after its revision id."""

"""MkDocs hook for a site `ptbench batch` writes (mkdocs.yml: hooks).

ptbench writes a site's index twice: README.md, MkDocs's home page, and
_index.md, Hugo's. This hook leaves every _index.md out of the build, so the
index is not a second page in the navigation. MkDocs 1.4 has no setting for
that; 1.5 and later can say `exclude_docs: _index.md` instead.
"""


def on_files(files, config):
    for f in list(files):
        if f.src_uri == "_index.md" or f.src_uri.endswith("/_index.md"):
            files.remove(f)
    return files

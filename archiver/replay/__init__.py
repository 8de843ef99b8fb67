"""The archived page, from the archive alone.

`rewrite` rewrites a stored DOM or stylesheet so that every URL in it goes through a resolver;
`resources` finds a capture's stored resources by the URLs its page used; `singlefile` writes a
capture as one self-contained HTML file (`archiver show ID --page FILE`). The archive server's
routes (archiver.web.replay) use the same rewriting with URLs of their own.
"""

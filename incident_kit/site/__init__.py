"""`incident site`: the internal incident site and the public status page, built from the files.

Pure pieces: `publicity` (what may be shown to customers), `record` (what the aggregate pages
need of one incident), `status` (service status and history), `markdown_html` (Markdown to safe
HTML with mistune) and `timeline_html` (the timeline as a table), `layout` (escaping and the
page frame), `svg` (charts), and one module per output: `incident_page`, `listing_pages`,
`overview_page`, `status_page`, `status_json`, `atom`.
Adapters: `reading` (an incident folder from disk), `cache` (records kept between builds),
`render_pass` (the incidents that changed, read and rendered, on every core when many),
`output` (writing the output folder safely) and `build` (the whole run).

Only `incident site` imports this package (and `note --public`, `publicity` alone), so no other
command pays for it.
"""

"""`incident site`: the internal incident site and the public status page, built from the files.

Pure pieces: `publicity` (what may be shown to customers), `status` (service status and history),
`markdown_html` (Markdown to safe HTML with mistune), `layout` (escaping and the page frame),
`svg` (charts), `incident_page`, `listing_pages`, `overview_page`, `status_page`, `status_json`
and `atom` (each one output), `record` (what the aggregate pages need of one incident).
Adapters: `reading` (an incident folder from disk), `cache` (records kept between builds),
`output` (writing the output folder safely) and `build` (the whole run).

Only `incident site` imports this package, so no other command pays for it.
"""
